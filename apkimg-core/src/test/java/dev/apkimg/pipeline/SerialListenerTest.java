package dev.apkimg.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.api.BuildEvent;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A run's listener: one event at a time, and nothing once the run is over. */
class SerialListenerTest {
  @Test
  void closingWaitsForTheEventUnderWayAndDropsEveryLaterOne() throws Exception {
    List<BuildEvent> got = new CopyOnWriteArrayList<>();
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    SerialListener serial = SerialListener.of(event -> {
      got.add(event);
      if (event instanceof BuildEvent.Detail d && d.message().equals("slow")) {
        inside.countDown();
        try {
          release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    });
    Thread download = new Thread(() -> serial.on(new BuildEvent.Detail("slow")));
    download.start();
    assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();

    // Another thread's event waits for the one under way.
    Thread other = new Thread(() -> serial.on(new BuildEvent.Detail("second")));
    other.start();
    Thread closing = new Thread(serial::close);
    Thread.sleep(50);
    closing.start();
    Thread.sleep(50);
    assertThat(got).extracting(BuildEvent::message).containsExactly("slow");
    assertThat(closing.isAlive()).as("close waits for the event under way").isTrue();

    release.countDown();
    closing.join(10_000);
    other.join(10_000);
    download.join(10_000);
    serial.on(new BuildEvent.Detail("after"));
    assertThat(got).extracting(BuildEvent::message).doesNotContain("after").startsWith("slow");
  }
}
