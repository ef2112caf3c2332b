package dev.apkimg;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Progress reports at most once per interval, the last one always, on a clock the test moves. */
class ProgressThrottleTest {
  private long now = 1_000_000_000L;
  private final List<Long> sent = new ArrayList<>();

  private void advance(long millis) {
    now += TimeUnit.MILLISECONDS.toNanos(millis);
  }

  @Test
  void reportsAtMostOncePerIntervalCountedFromTheStart() {
    ProgressThrottle throttle = new ProgressThrottle(100, () -> now);
    // Reads every 10 ms for one second: the first report 100 ms in, then one per 100 ms.
    for (int i = 1; i <= 100; i++) {
      advance(10);
      long at = now;
      throttle.maybe(() -> sent.add(at));
    }
    assertThat(sent).hasSize(10);
    for (int i = 1; i < sent.size(); i++) {
      assertThat(sent.get(i) - sent.get(i - 1)).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
    }
    assertThat(sent.get(0)).isEqualTo(1_000_000_000L + TimeUnit.MILLISECONDS.toNanos(100));
  }

  @Test
  void aQuickDownloadSendsItsLastReportAloneAndNothingAfterIt() {
    ProgressThrottle throttle = new ProgressThrottle(100, () -> now);
    advance(30);
    assertThat(throttle.maybe(() -> sent.add(1L))).isFalse();
    throttle.last(() -> sent.add(2L));
    advance(500);
    assertThat(throttle.maybe(() -> sent.add(3L))).isFalse();
    throttle.last(() -> sent.add(4L));
    assertThat(sent).containsExactly(2L);
  }

  @Test
  void theLastReportComesEvenRightAfterAnother() {
    ProgressThrottle throttle = new ProgressThrottle(100, () -> now);
    advance(100);
    assertThat(throttle.maybe(() -> sent.add(1L))).isTrue();
    throttle.last(() -> sent.add(2L));
    assertThat(sent).containsExactly(1L, 2L);
  }

  @Test
  void aSlowReceiverGetsFewerReportsNotABurst() {
    ProgressThrottle throttle = new ProgressThrottle(100, () -> now);
    int[] reports = {0};
    // Each report takes the receiver 250 ms; reads keep coming every 10 ms of the clock.
    for (int i = 0; i < 200; i++) {
      advance(10);
      throttle.maybe(() -> {
        reports[0]++;
        advance(250);
      });
    }
    // The interval counts from the end of a report: ten reads (100 ms) after each, as for a fast
    // receiver (200 reads, 20 reports), not one report per read once the receiver fell behind.
    assertThat(reports[0]).isEqualTo(20);
  }
}
