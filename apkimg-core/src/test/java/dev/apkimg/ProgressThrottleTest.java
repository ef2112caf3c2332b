package dev.apkimg;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Progress reports at most once per interval, the last one always, on a clock the test moves. */
class ProgressThrottleTest {
  private static final long START = 1_000_000_000L;
  private long now = START;
  private final List<Long> sent = new ArrayList<>();

  private void advance(long millis) {
    now += TimeUnit.MILLISECONDS.toNanos(millis);
  }

  @Test
  void reportsAtMostOncePerIntervalCountedFromTheStart() {
    ProgressThrottle<Long> throttle = new ProgressThrottle<>(100, () -> now);
    List<Long> at = new ArrayList<>();
    // A read every 10 ms for one second: the first report 100 ms in, then one per 100 ms.
    for (long i = 1; i <= 100; i++) {
      advance(10);
      throttle.maybe(i, n -> {
        sent.add(n);
        at.add(now);
      });
    }
    assertThat(sent).containsExactly(10L, 20L, 30L, 40L, 50L, 60L, 70L, 80L, 90L, 100L);
    assertThat(at.get(0)).isEqualTo(START + TimeUnit.MILLISECONDS.toNanos(100));
    for (int i = 1; i < at.size(); i++) {
      assertThat(at.get(i) - at.get(i - 1)).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
    }
  }

  @Test
  void aQuickDownloadSendsItsLastReportAloneAndNothingAfterIt() {
    ProgressThrottle<Long> throttle = new ProgressThrottle<>(100, () -> now);
    advance(30);
    assertThat(throttle.maybe(1L, sent::add)).isFalse();
    throttle.last(2L, sent::add);
    advance(500);
    assertThat(throttle.maybe(3L, sent::add)).isFalse();
    throttle.last(4L, sent::add);
    assertThat(sent).containsExactly(2L);
  }

  @Test
  void theLastReportComesRightAfterAnotherUnlessItSaysTheSame() {
    ProgressThrottle<Long> throttle = new ProgressThrottle<>(100, () -> now);
    advance(100);
    assertThat(throttle.maybe(1L, sent::add)).isTrue();
    throttle.last(2L, sent::add);
    assertThat(sent).containsExactly(1L, 2L);

    ProgressThrottle<Long> same = new ProgressThrottle<>(100, () -> now);
    advance(100);
    assertThat(same.maybe(7L, sent::add)).isTrue();
    same.last(7L, sent::add);
    assertThat(sent).containsExactly(1L, 2L, 7L);
  }

  @Test
  void aBeginningIsReportedAtOnceAndTheNextOneIntervalLater() {
    ProgressThrottle<Long> throttle = new ProgressThrottle<>(100, () -> now);
    advance(500);
    throttle.now(0L, sent::add);
    advance(60);
    assertThat(throttle.maybe(1L, sent::add)).isFalse();
    advance(40);
    assertThat(throttle.maybe(2L, sent::add)).isTrue();
    assertThat(sent).containsExactly(0L, 2L);
  }

  @Test
  void aSlowReceiverGetsFewerReportsNotABurst() {
    ProgressThrottle<Long> throttle = new ProgressThrottle<>(100, () -> now);
    // Each report takes the receiver 250 ms; reads keep coming every 10 ms of the clock.
    for (long i = 0; i < 200; i++) {
      advance(10);
      throttle.maybe(i, n -> {
        sent.add(n);
        advance(250);
      });
    }
    // The interval counts from the end of a report: ten reads (100 ms) after each, as for a fast
    // receiver (200 reads, 20 reports), not one report per read once the receiver fell behind.
    assertThat(sent).hasSize(20);
  }
}
