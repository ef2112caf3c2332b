package dev.apkimg.maven;

import dev.apkimg.api.BuildEvent;
import dev.apkimg.api.BuildListener;
import org.apache.maven.plugin.logging.Log;

/** The core's progress events in Maven's log: steps as info, details as debug ({@code -X}). */
final class MavenBuildListener implements BuildListener {
  private final Log log;

  MavenBuildListener(Log log) {
    this.log = log;
  }

  @Override
  public void on(BuildEvent event) {
    String line = MavenMessages.line(event);
    switch (event.level()) {
      case INFO -> log.info(line);
      case WARNING -> log.warn(line);
      case DETAIL -> log.debug(line);
      case PROGRESS -> { } // Maven's log is lines: bytes-so-far would flood it
    }
  }
}
