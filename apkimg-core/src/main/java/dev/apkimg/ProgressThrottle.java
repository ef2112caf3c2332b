package dev.apkimg;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Lets through progress reports of one download, layer or blob at most once per interval, and
 * its last report always (once): what {@link dev.apkimg.api.BuildEvent.Level#PROGRESS} events
 * promise. The interval counts from the end of the previous report, so a slow receiver gets fewer
 * reports, never a burst. Safe for several threads; a report is sent while holding the throttle,
 * so one throttle's reports never overlap.
 */
public final class ProgressThrottle {
  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private long last;
  private boolean ended;

  /** A throttle for a build's progress events: {@link dev.apkimg.api.BuildEvent#PROGRESS_INTERVAL_MILLIS}. */
  public static ProgressThrottle forEvents() {
    return every(dev.apkimg.api.BuildEvent.PROGRESS_INTERVAL_MILLIS);
  }

  /** A throttle on {@link System#nanoTime()}; its first report is due one interval after now. */
  public static ProgressThrottle every(long intervalMillis) {
    return new ProgressThrottle(intervalMillis, System::nanoTime);
  }

  /** A throttle on {@code nanoTime} (a test's clock); its first report is due one interval after now. */
  public ProgressThrottle(long intervalMillis, LongSupplier nanoTime) {
    this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMillis);
    this.nanoTime = nanoTime;
    this.last = nanoTime.getAsLong();
  }

  /** Sends {@code report} if an interval has passed since the last one ended; true if it did. */
  public synchronized boolean maybe(Runnable report) {
    if (ended || nanoTime.getAsLong() - last < intervalNanos) {
      return false;
    }
    report.run();
    last = nanoTime.getAsLong();
    return true;
  }

  /** Sends {@code report} as the last one, whenever the one before was; later reports are dropped. */
  public synchronized void last(Runnable report) {
    if (ended) {
      return;
    }
    ended = true;
    report.run();
  }
}
