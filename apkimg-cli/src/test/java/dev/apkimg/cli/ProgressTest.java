package dev.apkimg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.apkimg.api.BuildEvent;
import dev.apkimg.testing.LoopbackHttpServer;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code apkimg build --progress}: what each mode writes on stderr, and stdout holding the digest alone. */
class ProgressTest {
  private static final String DIGEST_LINE = "sha256:[0-9a-f]{64}\n";

  @TempDir Path tmp;

  private LoopbackHttpServer server;
  private Path profile;

  @BeforeEach
  void setUp() throws IOException {
    Path keyFile = TestKeys.primary().writePublicKey(tmp.resolve("keys"));
    Path mirror = tmp.resolve("mirror");
    new TestRepository(TestKeys.primary())
        .add(TestPackage.builder("libfoo", "1.2-r0").builddate(1_700_000_000L)
            .dir("usr").dir("usr/lib").file("usr/lib/libfoo.so.1", "libfoo\n".getBytes(StandardCharsets.UTF_8), 0755)
            .provides("so:libfoo.so.1=1").build())
        .add(TestPackage.builder("app", "2.0-r1").builddate(1_700_000_100L)
            .depends("so:libfoo.so.1")
            .dir("usr").dir("usr/bin").file("usr/bin/app", "#!/bin/sh\necho app\n".getBytes(StandardCharsets.UTF_8), 0755)
            .build())
        .write(mirror.resolve("alpine/main"));
    server = LoopbackHttpServer.serve(mirror);
    profile = tmp.resolve("app.yaml");
    Files.writeString(profile, """
        contents:
          repositories:
            - %salpine/main
          keyring:
            - %s
          packages: [app]
        archs: [x86_64]
        cmd: /usr/bin/app
        """.formatted(server.url(), keyFile));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void plainPrefixesEveryLineWithTheElapsedSeconds() {
    Result r = build("--progress", "plain");
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.out).matches(DIGEST_LINE);
    List<String> lines = r.err.lines().toList();
    assertThat(lines).isNotEmpty().allMatch(l -> l.matches("\\[ *\\d+\\.\\d\\ds\\] \\S.*"), "[  0.42s] prefix");
    assertThat(lines).anyMatch(l -> l.matches("\\[ *\\d+\\.\\d\\ds\\] resolved 2 packages for x86_64: .*app-2.0-r1.*"));
    assertThat(lines).anyMatch(l -> l.matches("\\[ *\\d+\\.\\d\\ds\\] wrote .*out\\.tar \\(.*"));
    assertThat(r.err).doesNotContain("\r", "\u001b");
  }

  @Test
  void withoutATerminalTheDefaultIsPlain() {
    Result r = build(); // the tests' stderr is no terminal: auto means plain
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.out).matches(DIGEST_LINE);
    assertThat(r.err.lines()).isNotEmpty().allMatch(l -> l.matches("\\[ *\\d+\\.\\d\\ds\\] \\S.*"));
    assertThat(r.err).doesNotContain("\r", "\u001b");
  }

  @Test
  void jsonPrintsOneParsableEventPerLine() throws IOException {
    Result r = build("--progress", "json", "-v");
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.out).matches(DIGEST_LINE);
    List<JsonNode> events = new ArrayList<>();
    ObjectMapper mapper = new ObjectMapper();
    for (String line : r.err.lines().toList()) {
      JsonNode event = mapper.readTree(line);
      assertThat(event.isObject()).as(line).isTrue();
      assertThat(event.get("t").isNumber()).as(line).isTrue();
      assertThat(event.get("event").asText()).as(line).matches("[a-z]+(-[a-z]+)*");
      assertThat(event.get("level").asText()).as(line).isIn("info", "warning", "detail", "progress");
      assertThat(event.get("message").asText()).as(line).isNotEmpty();
      events.add(event);
    }
    JsonNode resolved = events.stream().filter(e -> e.get("event").asText().equals("resolved")).findFirst().orElseThrow();
    assertThat(resolved.get("arch").asText()).isEqualTo("x86_64");
    assertThat(resolved.get("packages")).hasSize(2);
    assertThat(resolved.get("message").asText()).startsWith("resolved 2 packages for x86_64: ");
    JsonNode layer = events.stream().filter(e -> e.get("event").asText().equals("layer-written")).findFirst().orElseThrow();
    assertThat(layer.get("size").asLong()).isPositive();
    assertThat(events).anyMatch(e -> e.get("level").asText().equals("detail"));
    assertThat(events).extracting(e -> e.get("t").asDouble()).isSorted();
  }

  @Test
  void jsonEndsAFailedBuildWithAnErrorEvent() throws IOException {
    Files.writeString(profile, Files.readString(profile).replace("[app]", "[no-such-package]"));
    Result r = build("--progress", "json");
    assertThat(r.code).isEqualTo(1);
    assertThat(r.out).isEmpty();
    List<String> lines = r.err.lines().toList();
    // The error event, then the one-line error every command prints.
    JsonNode error = new ObjectMapper().readTree(lines.get(lines.size() - 2));
    assertThat(error.get("event").asText()).isEqualTo("error");
    assertThat(error.get("message").asText()).contains("no-such-package");
    assertThat(lines.get(lines.size() - 1)).startsWith("apkimg: error: ").contains("no-such-package");
  }

  @Test
  void ttyRedrawsAStatusLineAndClearsItAtTheEnd() {
    Result r = build("--progress", "tty");
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.out).matches(DIGEST_LINE);
    assertThat(r.err).contains(ProgressPrinter.ERASE_LINE + "[").endsWith(ProgressPrinter.ERASE_LINE);
    // What is left on the screen once each \r-erase is applied: the finished steps as lines.
    List<String> screen = List.of(r.err.split("\n")).stream().map(l -> {
      int i = l.lastIndexOf(ProgressPrinter.ERASE_LINE);
      return i < 0 ? l : l.substring(i + ProgressPrinter.ERASE_LINE.length());
    }).filter(l -> !l.isEmpty()).toList();
    assertThat(screen).anyMatch(l -> l.matches("\\[ *\\d+\\.\\d\\ds\\] resolved 2 packages for x86_64: .*"));
    assertThat(screen).anyMatch(l -> l.matches("\\[ *\\d+\\.\\d\\ds\\] wrote .*out\\.tar \\(.*"));
  }

  @Test
  void quietTtyShowsNoStatusLineOnlyWarnings() {
    Result r = build("--progress", "tty", "-q");
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.out).matches(DIGEST_LINE);
    assertThat(r.err).doesNotContain("\r", "\u001b");
    assertThat(r.err.lines()).allMatch(l -> l.matches("\\[ *\\d+\\.\\d\\ds\\] apkimg: warning: .*"));
  }

  @Test
  void anUnknownModeIsAUsageError() {
    Result r = build("--progress", "bogus");
    assertThat(r.code).isEqualTo(2);
    assertThat(r.out).isEmpty();
    assertThat(r.err).contains("--progress must be auto, tty, plain or json, not 'bogus'");
    assertThat(Files.exists(tmp.resolve("out.tar"))).isFalse();
  }

  // The printer fed events directly, its frames drawn on demand: what a terminal shows, frame by frame.

  private static final long MIB = 1024 * 1024;
  private static final String PREFIX = "\\[ *\\d+\\.\\d\\ds\\] ";

  /** 41 packages to fetch; at 3 s (the step began at 1 s) 12 are done and the last 8 started are under way. */
  private static void fetchUnderWay(ProgressPrinter printer, AtomicLong clock) {
    printer.on(new BuildEvent.Resolved("x86_64", List.of("big-000-1.0-r0", "big-001-1.0-r0")));
    clock.set(1_000_000_000L);
    printer.on(new BuildEvent.Fetching("x86_64", 41));
    for (int i = 0; i < 20; i++) {
      printer.on(new BuildEvent.Downloading("x86_64", "big-%03d".formatted(i), MIB, 3 * MIB));
    }
    for (int i = 0; i < 12; i++) {
      printer.on(new BuildEvent.Downloading("x86_64", "big-%03d".formatted(i), 3 * MIB, 3 * MIB));
      printer.on(new BuildEvent.Downloaded("x86_64", "big-%03d".formatted(i), 3 * MIB, 500_000_000L));
    }
    clock.set(3_000_000_000L);
  }

  @Test
  void ttyDrawsTheFetchWithCountsRateAndTheLatestDownloadsBelowTheFinishedLines() {
    AtomicLong clock = new AtomicLong();
    StringWriter err = new StringWriter();
    ProgressPrinter printer = ProgressPrinter.withoutTicker(ProgressPrinter.Mode.TTY, new PrintWriter(err), false,
        false, 100, clock::get);
    fetchUnderWay(printer, clock);
    printer.redraw();

    Screen screen = Screen.of(err.toString());
    assertThat(screen.lines()).containsExactly(
        "[  0.00s] resolved 2 packages for x86_64: big-000-1.0-r0 big-001-1.0-r0",
        // 12 x 3 MiB done + 8 x 1 MiB under way, in the 2 s since the step began
        "[  3.00s] fetching x86_64: 12/41 packages, 44.0 MiB, 22.0 MiB/s",
        "  big-014  [#######-------------]    1.0 MiB of 3.0 MiB",
        "  big-015  [#######-------------]    1.0 MiB of 3.0 MiB",
        "  big-016  [#######-------------]    1.0 MiB of 3.0 MiB",
        "  big-017  [#######-------------]    1.0 MiB of 3.0 MiB",
        "  big-018  [#######-------------]    1.0 MiB of 3.0 MiB",
        "  big-019  [#######-------------]    1.0 MiB of 3.0 MiB",
        "  +2 more");
    // The header as the terminal recording of the benchmark build looks for it.
    assertThat(screen.lines().get(1)).containsPattern("fetching \\S+: \\d+/\\d+ packages, .* (K|M|G)?i?B/s");
    assertThat(screen.row()).as("the cursor stays on the block's last line").isEqualTo(8);
  }

  @Test
  void ttyCountsPackagesTakenFromTheCacheAsDoneBeforeTheFetchEnds() {
    AtomicLong clock = new AtomicLong();
    StringWriter err = new StringWriter();
    ProgressPrinter printer = ProgressPrinter.withoutTicker(ProgressPrinter.Mode.TTY, new PrintWriter(err), false,
        false, 100, clock::get);
    clock.set(1_000_000_000L);
    printer.on(new BuildEvent.Fetching("x86_64", 3));
    for (String pkg : List.of("musl-1.2.5-r0", "busybox-1.36.1-r0", "app-2.0-r1")) {
      printer.on(new BuildEvent.Cached("x86_64", pkg, 3 * MIB));
    }
    clock.set(3_000_000_000L);
    printer.redraw();
    // Nothing was downloaded: no bytes, no rate from the cache's.
    assertThat(Screen.of(err.toString()).lines())
        .contains("[  3.00s] fetching x86_64: 3/3 packages, 0 B, 0 B/s");
  }

  @Test
  void ttyRedrawsOnTheTickerNotOnEveryProgressEvent() {
    AtomicLong clock = new AtomicLong();
    StringWriter err = new StringWriter();
    ProgressPrinter printer = ProgressPrinter.withoutTicker(ProgressPrinter.Mode.TTY, new PrintWriter(err), false,
        false, 100, clock::get);
    fetchUnderWay(printer, clock);
    printer.redraw();
    int drawn = err.toString().length();
    for (int i = 0; i < 100; i++) {
      printer.on(new BuildEvent.Downloading("x86_64", "big-019", 2 * MIB, 3 * MIB));
    }
    printer.on(new BuildEvent.Downloaded("x86_64", "big-019", 3 * MIB, 1));
    assertThat(err.toString()).hasSize(drawn);
    printer.redraw();
    assertThat(Screen.of(err.toString()).lines()).contains(
        "[  3.00s] fetching x86_64: 13/41 packages, 46.0 MiB, 23.0 MiB/s", "  big-018  [#######-------------]    1.0 MiB of 3.0 MiB",
        "  +1 more").doesNotContain("  big-019  [#######-------------]    1.0 MiB of 3.0 MiB");
  }

  @Test
  void ttyLinesNeverReachTheLastColumn() {
    AtomicLong clock = new AtomicLong();
    StringWriter err = new StringWriter();
    ProgressPrinter printer = ProgressPrinter.withoutTicker(ProgressPrinter.Mode.TTY, new PrintWriter(err), false,
        false, 40, clock::get);
    fetchUnderWay(printer, clock);
    printer.on(new BuildEvent.LayerWriting("x86_64", 3, 41, 5 * MIB, 50 * MIB));
    printer.redraw();
    List<String> frame = printer.frame();
    assertThat(frame).hasSize(10).allMatch(l -> l.length() <= 39, "at most 39 characters");
    assertThat(frame.get(0)).isEqualTo("[  3.00s] fetching x86_64: 12/41 pac...");
    assertThat(frame.get(1)).isEqualTo("  big-014  [#######-------------]   ...");
    // A name with control characters cannot move the cursor the erase relies on.
    printer.on(new BuildEvent.Downloading("x86_64", "evil\u001b[2J\n", MIB, 3 * MIB));
    assertThat(printer.frame()).contains("  +3 more").anyMatch(l -> l.startsWith("  evil?[2J?  [#"))
        .noneMatch(l -> l.contains("\u001b") || l.contains("\n"));
    // The finished line above the block is the event's whole line, as plain mode prints it.
    assertThat(Screen.of(err.toString()).lines().get(0)).hasSizeGreaterThan(40);
  }

  @Test
  void ttyDrawsTheLayerAndEachBlobBeingPushedAndDropsAStepWhenItIsDone() {
    AtomicLong clock = new AtomicLong();
    StringWriter err = new StringWriter();
    ProgressPrinter printer = ProgressPrinter.withoutTicker(ProgressPrinter.Mode.TTY, new PrintWriter(err), false,
        false, 120, clock::get);
    fetchUnderWay(printer, clock);
    printer.on(new BuildEvent.Fetched("x86_64", 41, 120 * MIB, 0, 4_000_000_000L));
    printer.on(new BuildEvent.LayerWriting("x86_64", 20, 41, 60 * MIB, 100 * MIB));
    printer.redraw();
    assertThat(Screen.of(err.toString()).lines()).containsExactly(
        "[  0.00s] resolved 2 packages for x86_64: big-000-1.0-r0 big-001-1.0-r0",
        "[  3.00s] fetched 41 packages for x86_64 in 4.00 s: 41 downloaded (120.0 MiB, 30.0 MiB/s)",
        "[  3.00s] writing the layer for x86_64: 20/41 packages, 60.0 MiB of 100.0 MiB (60%)",
        "  [############--------]");
    assertThat(printer.frame().get(0)).containsPattern("writing the layer for \\S+: \\d+/\\d+ packages");

    printer.on(new BuildEvent.LayerWritten("x86_64", 900, 40 * MIB, 101 * MIB));
    String blob1 = "sha256:" + "1".repeat(64);
    String blob2 = "sha256:" + "2".repeat(64);
    String blob3 = "sha256:" + "3".repeat(64);
    String blob4 = "sha256:" + "4".repeat(64);
    String ref = "localhost:5000/app:1";
    clock.set(5_000_000_000L);
    printer.on(new BuildEvent.BlobPushing(ref, blob1, 0, 40 * MIB));
    printer.on(new BuildEvent.BlobPushed(ref, blob2, 700, BuildEvent.BlobPushed.Transfer.EXISTS));
    printer.on(new BuildEvent.BlobPushing(ref, blob3, 2 * MIB, 2 * MIB));
    printer.on(new BuildEvent.BlobPushed(ref, blob3, 2 * MIB, BuildEvent.BlobPushed.Transfer.UPLOADED));
    printer.on(new BuildEvent.BlobPushed(ref, blob4, MIB, BuildEvent.BlobPushed.Transfer.MOUNTED));
    clock.set(6_000_000_000L);
    printer.on(new BuildEvent.BlobPushing(ref, blob1, 10 * MIB, 40 * MIB));
    printer.redraw();
    List<String> lines = Screen.of(err.toString()).lines();
    assertThat(lines.subList(lines.size() - 2, lines.size())).containsExactly(
        "[  6.00s] pushing localhost:5000/app:1: 3/4 blobs (1 uploaded, 1 already there, 1 mounted), 12.0 MiB,"
            + " 12.0 MiB/s",
        "  sha256:111111111111  [#####---------------]   10.0 MiB of 40.0 MiB");
    assertThat(lines.get(lines.size() - 2)).containsPattern("pushing \\S+: \\d+/\\d+ blobs");
    assertThat(lines).noneMatch(l -> l.contains("writing the layer for"));

    printer.on(new BuildEvent.Pushed(ref, "sha256:" + "9".repeat(64)));
    printer.redraw();
    lines = Screen.of(err.toString()).lines();
    assertThat(lines.get(lines.size() - 2)).isEqualTo("[  6.00s] pushed " + ref + " (sha256:" + "9".repeat(64) + ")");
    // No step under way: the block is one status line, the build's last step.
    assertThat(lines.get(lines.size() - 1)).isEqualTo("[  6.00s] pushed " + ref + " (sha256:" + "9".repeat(64) + ")");
  }

  @Test
  void ttyWithVerbosePrintsEachDownloadAsAFinishedLineAboveTheBlock() {
    AtomicLong clock = new AtomicLong();
    StringWriter err = new StringWriter();
    ProgressPrinter printer = ProgressPrinter.withoutTicker(ProgressPrinter.Mode.TTY, new PrintWriter(err), false,
        true, 100, clock::get);
    fetchUnderWay(printer, clock);
    printer.redraw();
    List<String> lines = Screen.of(err.toString()).lines();
    assertThat(lines.subList(0, 14)).allMatch(l -> l.matches(PREFIX + "\\S.*"));
    assertThat(lines.get(1)).matches(PREFIX + "fetching 41 packages for x86_64");
    assertThat(lines.get(2)).matches(PREFIX + "downloaded big-000 \\(3\\.0 MiB in 0\\.50 s, 6\\.0 MiB/s\\)");
    assertThat(lines.get(14)).startsWith("[  3.00s] fetching x86_64: 12/41 packages");
  }

  @Test
  void closingEraseTheBlockAndLeavesTheCursorAtTheStartOfAnEmptyLine() {
    AtomicLong clock = new AtomicLong();
    StringWriter err = new StringWriter();
    ProgressPrinter printer = ProgressPrinter.withoutTicker(ProgressPrinter.Mode.TTY, new PrintWriter(err), false,
        false, 100, clock::get);
    fetchUnderWay(printer, clock);
    printer.redraw();
    printer.close();
    Screen screen = Screen.of(err.toString());
    assertThat(screen.lines()).containsExactly(
        "[  0.00s] resolved 2 packages for x86_64: big-000-1.0-r0 big-001-1.0-r0");
    assertThat(screen.row()).isEqualTo(1);
    assertThat(screen.column()).isZero();
    // Events after the end draw nothing.
    printer.on(new BuildEvent.Fetched("x86_64", 41, 120 * MIB, 0, 4_000_000_000L));
    printer.redraw();
    assertThat(Screen.of(err.toString()).lines()).hasSize(1);
  }

  @Test
  void anInterruptedRunErasesTheBlockBeforeItsLastLine() {
    AtomicLong clock = new AtomicLong();
    StringWriter err = new StringWriter();
    ProgressPrinter printer = ProgressPrinter.withoutTicker(ProgressPrinter.Mode.TTY, new PrintWriter(err), false,
        false, 100, clock::get);
    fetchUnderWay(printer, clock);
    printer.redraw();
    ProgressPrinter.closeAll(); // what the shutdown hook calls on SIGINT and SIGTERM
    Screen screen = Screen.of(err.toString());
    assertThat(screen.lines()).containsExactly(
        "[  0.00s] resolved 2 packages for x86_64: big-000-1.0-r0 big-001-1.0-r0");
    assertThat(screen.row()).isEqualTo(1);
    assertThat(screen.column()).isZero();
    printer.redraw();
    assertThat(Screen.of(err.toString()).lines()).hasSize(1);
  }

  @Test
  void quietTtyDrawsNoBlock() {
    AtomicLong clock = new AtomicLong();
    StringWriter err = new StringWriter();
    ProgressPrinter printer = ProgressPrinter.withoutTicker(ProgressPrinter.Mode.TTY, new PrintWriter(err), true,
        false, 100, clock::get);
    fetchUnderWay(printer, clock);
    printer.redraw();
    printer.close();
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void plainLeavesProgressOutAndShowsDownloadsOnlyWhenVerbose() {
    for (boolean verbose : new boolean[] {false, true}) {
      AtomicLong clock = new AtomicLong();
      StringWriter err = new StringWriter();
      ProgressPrinter printer = ProgressPrinter.withoutTicker(ProgressPrinter.Mode.PLAIN, new PrintWriter(err), false,
          verbose, 100, clock::get);
      fetchUnderWay(printer, clock);
      printer.on(new BuildEvent.Fetched("x86_64", 41, 120 * MIB, 0, 4_000_000_000L));
      printer.on(new BuildEvent.LayerWriting("x86_64", 20, 41, 60 * MIB, 100 * MIB));
      printer.on(new BuildEvent.BlobPushing("r/app:1", "sha256:" + "1".repeat(64), MIB, 2 * MIB));
      printer.on(new BuildEvent.BlobPushed("r/app:1", "sha256:" + "1".repeat(64), 2 * MIB,
          BuildEvent.BlobPushed.Transfer.UPLOADED));
      printer.redraw();
      printer.close();
      List<String> lines = err.toString().lines().toList();
      assertThat(err.toString()).doesNotContain("\r", "\u001b", "downloading", "writing the layer", "pushing");
      assertThat(lines).allMatch(l -> l.matches(PREFIX + "\\S.*"));
      assertThat(lines).anyMatch(l -> l.matches(PREFIX
          + "fetched 41 packages for x86_64 in 4\\.00 s: 41 downloaded \\(120\\.0 MiB, 30\\.0 MiB/s\\)"));
      if (verbose) {
        assertThat(lines).hasSize(1 + 1 + 12 + 1 + 1)
            .anyMatch(l -> l.matches(PREFIX + "downloaded big-011 \\(3\\.0 MiB in 0\\.50 s, 6\\.0 MiB/s\\)"))
            .anyMatch(l -> l.matches(PREFIX + "pushed sha256:111111111111 \\(2\\.0 MiB\\)"));
      } else {
        assertThat(lines).hasSize(2);
      }
    }
  }

  @Test
  void jsonHandsOnProgressEventsWithTheirFields() throws IOException {
    AtomicLong clock = new AtomicLong();
    StringWriter err = new StringWriter();
    ProgressPrinter printer = ProgressPrinter.withoutTicker(ProgressPrinter.Mode.JSON, new PrintWriter(err), false,
        true, 100, clock::get);
    String digest = "sha256:" + "1".repeat(64);
    printer.on(new BuildEvent.Downloading("x86_64", "big-001", MIB, 3 * MIB));
    printer.on(new BuildEvent.Downloaded("x86_64", "big-001", 3 * MIB, 500_000_000L));
    printer.on(new BuildEvent.Fetched("x86_64", 1, 3 * MIB, 2, 600_000_000L));
    printer.on(new BuildEvent.LayerWriting("x86_64", 2, 3, 5 * MIB, 10 * MIB));
    printer.on(new BuildEvent.BlobPushing("r/app:1", digest, MIB, 2 * MIB));
    for (BuildEvent.BlobPushed.Transfer transfer : BuildEvent.BlobPushed.Transfer.values()) {
      printer.on(new BuildEvent.BlobPushed("r/app:1", digest, 2 * MIB, transfer));
    }
    printer.close();
    ObjectMapper mapper = new ObjectMapper();
    List<JsonNode> events = new ArrayList<>();
    for (String line : err.toString().lines().toList()) {
      events.add(mapper.readTree(line));
    }
    assertThat(events).extracting(e -> e.get("event").asText()).containsExactly("downloading", "downloaded", "fetched",
        "layer-writing", "blob-pushing", "blob-pushed", "blob-pushed", "blob-pushed");
    assertThat(events).extracting(e -> e.get("level").asText()).containsExactly("progress", "detail", "info",
        "progress", "progress", "detail", "detail", "detail");
    assertThat(((ObjectNode) events.get(0)).without("t").toString()).isEqualTo("{\"event\":\"downloading\",\"level\":\"progress\","
        + "\"message\":\"downloading big-001: 1.0 MiB of 3.0 MiB\",\"arch\":\"x86_64\",\"pkg\":\"big-001\","
        + "\"bytes\":1048576,\"size\":3145728}");
    JsonNode fetched = events.get(2);
    assertThat(fetched.get("downloaded").asInt()).isEqualTo(1);
    assertThat(fetched.get("downloadedBytes").asLong()).isEqualTo(3 * MIB);
    assertThat(fetched.get("cached").asInt()).isEqualTo(2);
    assertThat(fetched.get("nanos").asLong()).isEqualTo(600_000_000L);
    assertThat(events.get(3).get("totalPackages").asInt()).isEqualTo(3);
    assertThat(events.get(3).get("expected").asLong()).isEqualTo(10 * MIB);
    assertThat(events.get(4).get("digest").asText()).isEqualTo(digest);
    assertThat(events.subList(5, 8)).extracting(e -> e.get("transfer").asText())
        .containsExactly("uploaded", "exists", "mounted");
    // Only the records' own fields: no formatting helpers, no methods as properties.
    for (JsonNode e : events) {
      assertThat(e.fieldNames()).toIterable().doesNotContain("sizes", "Sizes", "PROGRESS_INTERVAL_MILLIS");
    }
  }

  @Test
  void jsonWithVerboseHandsOnEachPackageTakenFromTheCache() throws IOException {
    StringWriter err = new StringWriter();
    ProgressPrinter printer = ProgressPrinter.withoutTicker(ProgressPrinter.Mode.JSON, new PrintWriter(err), false,
        true, 100, () -> 0L);
    printer.on(new BuildEvent.Cached("x86_64", "musl-1.2.5-r0", 400 * 1024));
    printer.close();
    JsonNode cached = new ObjectMapper().readTree(err.toString().lines().findFirst().orElseThrow());
    assertThat(((ObjectNode) cached).without("t").toString()).isEqualTo("{\"event\":\"cached\",\"level\":\"detail\","
        + "\"message\":\"taken from the cache: musl-1.2.5-r0 (400.0 KiB)\",\"arch\":\"x86_64\",\"pkg\":\"musl-1.2.5-r0\","
        + "\"bytes\":409600}");
  }

  @Test
  void jsonWritesWholeLinesWhenEventsComeFromSeveralThreads() throws Exception {
    StringWriter err = new StringWriter();
    ProgressPrinter printer = ProgressPrinter.withoutTicker(ProgressPrinter.Mode.JSON, new PrintWriter(err), false,
        false, 100, System::nanoTime);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      String pkg = "pkg-" + t;
      threads.add(new Thread(() -> {
        for (int i = 0; i < 500; i++) {
          printer.on(new BuildEvent.Downloading("x86_64", pkg, i, 500));
        }
      }));
    }
    threads.forEach(Thread::start);
    for (Thread thread : threads) {
      thread.join();
    }
    printer.close();
    ObjectMapper mapper = new ObjectMapper();
    List<String> lines = err.toString().lines().toList();
    assertThat(lines).hasSize(2000);
    for (String line : lines) {
      assertThat(mapper.readTree(line).get("event").asText()).as(line).isEqualTo("downloading");
    }
  }

  @Test
  void quietJsonLeavesProgressOut() {
    StringWriter err = new StringWriter();
    ProgressPrinter printer = ProgressPrinter.withoutTicker(ProgressPrinter.Mode.JSON, new PrintWriter(err), true,
        false, 100, System::nanoTime);
    printer.on(new BuildEvent.Downloading("x86_64", "big-001", MIB, 3 * MIB));
    printer.on(new BuildEvent.Fetched("x86_64", 1, 3 * MIB, 2, 600_000_000L));
    printer.close();
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void jsonWithVerboseTurnsTheDiagnosticLogIntoEvents() throws IOException {
    java.util.logging.Logger apkimg = java.util.logging.Logger.getLogger("dev.apkimg");
    Main.configureLogging(true); // as main() does for -v: jib's diagnostics as text lines on stderr
    java.util.logging.Handler[] text = apkimg.getHandlers();
    try {
      StringWriter err = new StringWriter();
      ProgressPrinter printer = ProgressPrinter.withoutTicker(ProgressPrinter.Mode.JSON, new PrintWriter(err), false,
          true, 100, System::nanoTime);
      java.util.logging.Logger.getLogger("dev.apkimg.jib").fine("jib: Building image to tar file...");
      printer.on(new BuildEvent.Downloading("x86_64", "big-001", MIB, 3 * MIB));
      printer.close();
      List<String> lines = err.toString().lines().toList();
      assertThat(lines).hasSize(2);
      JsonNode log = new ObjectMapper().readTree(lines.get(0));
      assertThat(log.get("event").asText()).isEqualTo("log");
      assertThat(log.get("level").asText()).isEqualTo("debug");
      assertThat(log.get("message").asText()).isEqualTo("jib: Building image to tar file...");
      // Closed, the printer hands the log back.
      assertThat(apkimg.getHandlers()).containsExactly(text);
    } finally {
      for (java.util.logging.Handler h : apkimg.getHandlers()) {
        apkimg.removeHandler(h);
      }
      apkimg.setLevel(null);
      apkimg.setUseParentHandlers(true);
    }
  }

  /**
   * What a terminal shows after the bytes the printer wrote: carriage return, line feed (as the
   * terminal's driver turns it into CR LF), erase line and cursor up are applied; lines end without
   * trailing blanks, and the blank lines at the end are left out.
   */
  static final class Screen {
    private final List<StringBuilder> rows = new ArrayList<>(List.of(new StringBuilder()));
    private int row;
    private int column;

    static Screen of(String written) {
      Screen s = new Screen();
      s.apply(written);
      return s;
    }

    private void apply(String s) {
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c == '\r') {
          column = 0;
        } else if (c == '\n') {
          row++;
          column = 0;
          while (rows.size() <= row) {
            rows.add(new StringBuilder());
          }
        } else if (c == '\u001b') {
          assertThat(s.charAt(i + 1)).as("a CSI sequence").isEqualTo('[');
          int end = i + 2;
          while (!Character.isLetter(s.charAt(end))) {
            end++;
          }
          String parameter = s.substring(i + 2, end);
          switch (s.charAt(end)) {
            case 'K' -> {
              assertThat(parameter).as("erase the whole line").isEqualTo("2");
              rows.get(row).setLength(0);
            }
            case 'A' -> row = Math.max(0, row - (parameter.isEmpty() ? 1 : Integer.parseInt(parameter)));
            default -> throw new AssertionError("unexpected escape sequence " + s.substring(i + 1, end + 1));
          }
          i = end;
        } else {
          StringBuilder line = rows.get(row);
          while (line.length() < column) {
            line.append(' ');
          }
          if (column < line.length()) {
            line.setCharAt(column, c);
          } else {
            line.append(c);
          }
          column++;
        }
      }
    }

    List<String> lines() {
      List<String> lines = new ArrayList<>(rows.stream().map(r -> r.toString().stripTrailing()).toList());
      while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
        lines.remove(lines.size() - 1);
      }
      return lines;
    }

    int row() {
      return row;
    }

    int column() {
      return column;
    }
  }

  private Result build(String... extra) {
    List<String> args = new ArrayList<>(List.of("build", profile.toString(), "-o", tmp.resolve("out.tar").toString(),
        "--cache-dir", tmp.resolve("cache").toString()));
    args.addAll(List.of(extra));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }

  record Result(int code, String out, String err) {}
}
