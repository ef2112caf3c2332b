package dev.apkimg.maven;

import dev.apkimg.build.BuildListener;
import org.apache.maven.plugin.logging.Log;

/** The core's progress events in Maven's log: steps as info, details as debug ({@code -X}). */
final class MavenBuildListener implements BuildListener {
  private final Log log;

  MavenBuildListener(Log log) {
    this.log = log;
  }

  @Override
  public void info(String message) {
    log.info(message);
  }

  @Override
  public void warn(String message) {
    log.warn(message);
  }

  @Override
  public void detail(String message) {
    log.debug(message);
  }
}
