package dev.apkimg.maven;

import dev.apkimg.api.BuildEvent;
import dev.apkimg.api.BuildEvent.Sizes;
import dev.apkimg.api.BuildListener;
import dev.apkimg.api.BuildProgress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.maven.plugin.logging.Log;

/**
 * The core's events in Maven's log: steps as info, details as debug ({@code -X}). Maven's log is
 * lines, so bytes-so-far become at most one info line per step every {@link #PROGRESS_LINE_SECONDS}
 * seconds, and only for a step that runs longer than that (a fetch, a layer, a push).
 */
final class MavenBuildListener implements BuildListener {
  /** The least time between two progress lines of one step, and before its first. */
  static final long PROGRESS_LINE_SECONDS = 2;

  private final Log log;
  private final LongSupplier clock;
  private final BuildProgress progress = new BuildProgress();
  /** When each step under way last had a line (its start, before its first). */
  private final Map<String, Long> lastLine = new HashMap<>();

  MavenBuildListener(Log log) {
    this(log, System::nanoTime);
  }

  /** {@code clock} gives nanos, as {@link System#nanoTime()}. */
  MavenBuildListener(Log log, LongSupplier clock) {
    this.log = log;
    this.clock = clock;
  }

  @Override
  public synchronized void on(BuildEvent event) {
    String line = MavenMessages.line(event);
    switch (event.level()) {
      case INFO -> log.info(line);
      case WARNING -> log.warn(line);
      case DETAIL -> log.debug(line);
      case PROGRESS -> { } // drawn below, every few seconds
    }
    long now = clock.getAsLong();
    BuildProgress.Step step = progress.on(event, now);
    if (step == null) {
      return;
    }
    String key = key(step);
    long last = lastLine.merge(key, step.startNanos(), (old, start) -> start > old ? start : old);
    if (now - last >= TimeUnit.SECONDS.toNanos(PROGRESS_LINE_SECONDS)) {
      log.info("apkimg: " + line(step, now));
      lastLine.put(key, now);
    }
  }

  /** A step's identity across its events: a restarted step (a new start) has a fresh interval. */
  private static String key(BuildProgress.Step step) {
    if (step instanceof BuildProgress.Fetch f) {
      return "fetch " + f.arch();
    }
    if (step instanceof BuildProgress.Layer l) {
      return "layer " + l.last().arch();
    }
    return "push " + ((BuildProgress.Push) step).reference();
  }

  private static String line(BuildProgress.Step step, long now) {
    if (step instanceof BuildProgress.Fetch f) {
      return "downloading " + f.done() + " of " + f.packages() + " packages for " + f.arch() + ", "
          + Sizes.of(f.bytes()) + ", " + Sizes.rate(f.bytes(), now - f.startNanos());
    }
    if (step instanceof BuildProgress.Layer l) {
      BuildEvent.LayerWriting last = l.last();
      return "writing the layer for " + last.arch() + ": " + last.packages() + " of " + last.totalPackages()
          + " packages, " + (last.expected() > 0 ? Math.min(100, last.bytes() * 100 / last.expected()) + "%"
              : Sizes.of(last.bytes()));
    }
    BuildProgress.Push p = (BuildProgress.Push) step;
    return "pushing " + p.done() + " of " + p.blobs() + " blobs to " + p.reference() + ", " + Sizes.of(p.bytes())
        + " uploaded";
  }
}
