package dev.apkimg.maven;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.api.BuildEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.maven.plugin.logging.Log;
import org.junit.jupiter.api.Test;

/** The build's events in Maven's log: progress as an info line per step every 2 seconds, no more. */
class MavenBuildListenerTest {
  private static final long MIB = 1024 * 1024;
  private static final long MILLIS = 1_000_000L;

  private final AtomicLong clock = new AtomicLong(7_000 * MILLIS);
  private final RecordingLog log = new RecordingLog();
  private final MavenBuildListener listener = new MavenBuildListener(log, clock::get);

  @Test
  void aLongFetchGetsAnInfoLineEveryTwoSecondsAndEachDownloadADebugLine() {
    listener.on(new BuildEvent.Fetching("x86_64", 41));
    // 5 s of downloads, a progress event every 100 ms, a package done every second (1 MiB each).
    for (int tenth = 1; tenth <= 50; tenth++) {
      clock.addAndGet(100 * MILLIS);
      listener.on(new BuildEvent.Downloading("x86_64", "big-" + tenth / 10, (tenth % 10) * MIB / 10, MIB));
      if (tenth % 10 == 9) {
        listener.on(new BuildEvent.Downloaded("x86_64", "big-" + tenth / 10, MIB, 900 * MILLIS));
      }
    }
    listener.on(new BuildEvent.Fetched("x86_64", 5, 5 * MIB, 36, 5_000 * MILLIS));
    assertThat(log.lines).containsExactly(
        "debug: fetching 41 packages for x86_64",
        "debug: downloaded big-0 (1.0 MiB in 0.90 s, 1.1 MiB/s)",
        "debug: downloaded big-1 (1.0 MiB in 0.90 s, 1.1 MiB/s)",
        // at 2.0 s: 2 done, big-2 has 0 bytes so far
        "info: apkimg: downloading 2 of 41 packages for x86_64, 2.0 MiB, 1.0 MiB/s",
        "debug: downloaded big-2 (1.0 MiB in 0.90 s, 1.1 MiB/s)",
        "debug: downloaded big-3 (1.0 MiB in 0.90 s, 1.1 MiB/s)",
        "info: apkimg: downloading 4 of 41 packages for x86_64, 4.0 MiB, 1.0 MiB/s",
        "debug: downloaded big-4 (1.0 MiB in 0.90 s, 1.1 MiB/s)",
        "info: fetched 41 packages for x86_64 in 5.00 s: 5 downloaded (5.0 MiB, 1.0 MiB/s), 36 from the cache");
  }

  @Test
  void packagesTakenFromTheCacheAreDebugLinesAndCountAsDoneWithoutBytes() {
    listener.on(new BuildEvent.Fetching("x86_64", 3));
    listener.on(new BuildEvent.Cached("x86_64", "musl-1.2.5-r0", 400 * 1024));
    listener.on(new BuildEvent.Cached("x86_64", "busybox-1.36.1-r0", MIB));
    clock.addAndGet(2_100 * MILLIS);
    listener.on(new BuildEvent.Downloading("x86_64", "app", MIB, 2 * MIB));
    assertThat(log.lines).containsExactly(
        "debug: fetching 3 packages for x86_64",
        "debug: taken from the cache: musl-1.2.5-r0 (400.0 KiB)",
        "debug: taken from the cache: busybox-1.36.1-r0 (1.0 MiB)",
        "info: apkimg: downloading 2 of 3 packages for x86_64, 1.0 MiB, 487.6 KiB/s");
  }

  @Test
  void aStepShorterThanTwoSecondsGetsNoProgressLine() {
    listener.on(new BuildEvent.Fetching("x86_64", 2));
    for (int i = 0; i < 19; i++) {
      clock.addAndGet(100 * MILLIS);
      listener.on(new BuildEvent.Downloading("x86_64", "app", i * MIB, 20 * MIB));
    }
    listener.on(new BuildEvent.Downloaded("x86_64", "app", 20 * MIB, 1_900 * MILLIS));
    listener.on(new BuildEvent.Fetched("x86_64", 1, 20 * MIB, 1, 1_900 * MILLIS));
    assertThat(log.lines).noneMatch(l -> l.startsWith("info: apkimg:"));
  }

  @Test
  void eachStepCountsItsOwnTwoSecondsAndSaysHowFarItIs() {
    listener.on(new BuildEvent.Fetching("x86_64", 1));
    clock.addAndGet(1_500 * MILLIS);
    listener.on(new BuildEvent.Downloaded("x86_64", "app", MIB, 1_500 * MILLIS));
    listener.on(new BuildEvent.Fetched("x86_64", 1, MIB, 0, 1_500 * MILLIS));
    // The layer begins with its first event at 1.6 s: its first line is due at 3.6 s, not at 2 s.
    for (int i = 1; i <= 30; i++) {
      clock.addAndGet(100 * MILLIS);
      listener.on(new BuildEvent.LayerWriting("x86_64", i, 41, i * 2 * MIB, 100 * MIB));
    }
    listener.on(new BuildEvent.LayerWritten("x86_64", 900, 40 * MIB, 70 * MIB));
    String digest = "sha256:" + "1".repeat(64);
    String config = "sha256:" + "2".repeat(64);
    listener.on(new BuildEvent.BlobPushed("r/app:1", config, 900, BuildEvent.BlobPushed.Transfer.EXISTS));
    for (int i = 1; i <= 25; i++) {
      clock.addAndGet(100 * MILLIS);
      listener.on(new BuildEvent.BlobPushing("r/app:1", digest, i * MIB, 40 * MIB));
    }
    listener.on(new BuildEvent.BlobPushed("r/app:1", digest, 40 * MIB, BuildEvent.BlobPushed.Transfer.UPLOADED));
    listener.on(new BuildEvent.Pushed("r/app:1", "sha256:" + "9".repeat(64)));
    assertThat(log.lines).filteredOn(l -> l.startsWith("info: ")).containsExactly(
        "info: fetched 1 packages for x86_64 in 1.50 s: 1 downloaded (1.0 MiB, 682.7 KiB/s)",
        "info: apkimg: writing the layer for x86_64: 21 of 41 packages, 42%",
        "info: layer: 900 entries, 41943040 bytes compressed, 73400320 bytes",
        "info: apkimg: pushing 1 of 2 blobs to r/app:1, 20.0 MiB uploaded",
        "info: pushed r/app:1 (sha256:" + "9".repeat(64) + ")");
    assertThat(log.lines).contains("debug: skipped sha256:222222222222 (900 B): already in the repository",
        "debug: pushed sha256:111111111111 (40.0 MiB)");
  }

  /** Maven's log, each line as LEVEL: TEXT. */
  static final class RecordingLog implements Log {
    final List<String> lines = new ArrayList<>();

    private void add(String level, CharSequence content) {
      lines.add(level + ": " + content);
    }

    @Override
    public boolean isDebugEnabled() {
      return true;
    }

    @Override
    public void debug(CharSequence content) {
      add("debug", content);
    }

    @Override
    public void debug(CharSequence content, Throwable error) {
      add("debug", content);
    }

    @Override
    public void debug(Throwable error) {
      add("debug", error.toString());
    }

    @Override
    public boolean isInfoEnabled() {
      return true;
    }

    @Override
    public void info(CharSequence content) {
      add("info", content);
    }

    @Override
    public void info(CharSequence content, Throwable error) {
      add("info", content);
    }

    @Override
    public void info(Throwable error) {
      add("info", error.toString());
    }

    @Override
    public boolean isWarnEnabled() {
      return true;
    }

    @Override
    public void warn(CharSequence content) {
      add("warn", content);
    }

    @Override
    public void warn(CharSequence content, Throwable error) {
      add("warn", content);
    }

    @Override
    public void warn(Throwable error) {
      add("warn", error.toString());
    }

    @Override
    public boolean isErrorEnabled() {
      return true;
    }

    @Override
    public void error(CharSequence content) {
      add("error", content);
    }

    @Override
    public void error(CharSequence content, Throwable error) {
      add("error", content);
    }

    @Override
    public void error(Throwable error) {
      add("error", error.toString());
    }
  }
}
