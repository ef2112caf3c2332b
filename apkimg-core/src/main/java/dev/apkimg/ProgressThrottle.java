package dev.apkimg;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Lets through the progress reports of one download, layer or blob at most once per interval,
 * and its last one always (once, unless the report before said the same): what a build's progress
 * events promise (the API's {@code BuildEvent.PROGRESS_INTERVAL_MILLIS} is
 * {@link #EVENT_INTERVAL_MILLIS}). The interval counts from the end of the previous report, so a
 * slow receiver gets fewer reports, never a burst. Safe for several threads; reports are sent
 * while holding the throttle, so one throttle's never overlap.
 *
 * @param <T> what a report says (bytes so far, or a record of counts), compared with equals
 */
public final class ProgressThrottle<T> {
  /** The least time between two progress events of one download, layer or blob. */
  public static final long EVENT_INTERVAL_MILLIS = 100;

  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private long last;
  private T reported;
  private boolean ended;

  /** A throttle for a build's progress events: every {@link #EVENT_INTERVAL_MILLIS}. */
  public static <T> ProgressThrottle<T> forEvents() {
    return new ProgressThrottle<>(EVENT_INTERVAL_MILLIS, System::nanoTime);
  }

  /** A throttle on {@code nanoTime} (a test's clock); its first report is due one interval after now. */
  public ProgressThrottle(long intervalMillis, LongSupplier nanoTime) {
    this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMillis);
    this.nanoTime = nanoTime;
    this.last = nanoTime.getAsLong();
  }

  /** Reports {@code state} now, whenever the one before was: a step under way begins. */
  public synchronized void now(T state, Consumer<? super T> report) {
    if (ended) {
      return;
    }
    report.accept(state);
    reported = state;
    last = nanoTime.getAsLong();
  }

  /** Reports {@code state} if an interval has passed since the last report ended; true if it did. */
  public synchronized boolean maybe(T state, Consumer<? super T> report) {
    if (ended || nanoTime.getAsLong() - last < intervalNanos) {
      return false;
    }
    report.accept(state);
    reported = state;
    last = nanoTime.getAsLong();
    return true;
  }

  /**
   * Reports {@code state} as the last one, however soon after the one before, unless that one
   * said the same; later reports are dropped.
   */
  public synchronized void last(T state, Consumer<? super T> report) {
    if (ended) {
      return;
    }
    ended = true;
    if (!Objects.equals(state, reported)) {
      report.accept(state);
    }
  }
}
