package dev.apkimg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.testing.LoopbackHttpServer;
import dev.apkimg.testing.Prerequisites;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue #14's progress acceptance on the benchmark repository of bench/compare-apk (the JDK split
 * into 40 packages big-000..big-039 plus big-all, about 134 MiB of apks), made once per run under
 * target/, served over loopback HTTP, and built with the real launcher and an empty cache each
 * time, so every package is really downloaded: in a terminal recorded with tmux, in CI mode, and
 * with {@code --progress json}. The tmux recording (every distinct frame, timestamped, and the raw
 * stream the terminal received) and the other runs' output are kept in target/progress-recording/
 * for a human to read.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BenchmarkProgressIT {
  /** Made like bench/compare-apk's large repository: same tool, source folder, package count, arch. */
  private static final int PACKAGES = 40;
  private static final String ARCH = "x86_64";
  private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
  private static final String ELAPSED = "\\[ *\\d+\\.\\d\\ds\\] ";
  private static final Pattern FETCHING = Pattern.compile("fetching \\S+: (\\d+)/41 packages, .* (K|M|G)?i?B/s");
  private static final Pattern WRITING = Pattern.compile("writing the layer for \\S+: \\d+/\\d+ packages");
  private static final String EXIT_LINE = "apkimg-exit-\\d+";

  private final Path work = Path.of("target", "benchmark-progress").toAbsolutePath();
  private final Path recordingDir = Path.of("target", "progress-recording").toAbsolutePath();
  private Path launcher;
  private Path jar;
  private String javaCommand;
  private LoopbackHttpServer server;
  private Path profile;
  private Recording recording;
  private Throwable recordingFailed;

  @BeforeAll
  void makeAndServeTheBenchmarkRepository() throws Exception {
    Path python = Prerequisites.requireCommand("python3");
    Prerequisites.requireCommand("openssl"); // apkrepo.py signs with it
    launcher = Path.of("..", "bin", "apkimg").toAbsolutePath().normalize();
    jar = Path.of("target", "apkimg.jar").toAbsolutePath();
    Prerequisites.require(Files.isRegularFile(jar), jar + " (run after package)");
    Path fixtures = Prerequisites.requireSharedFixtures();
    Path apkrepo = fixtures.resolveSibling("tools").resolve("apkrepo.py");
    Path key = fixtures.resolve("keys").resolve("apkimg-test.rsa");
    Prerequisites.require(Files.isRegularFile(apkrepo), apkrepo.toString());
    Prerequisites.require(Files.isRegularFile(key), key.toString());
    String srcEnv = System.getenv("APKIMG_BENCH_BIG_SRC");
    Path src = Path.of(srcEnv == null || srcEnv.isEmpty() ? "/usr/lib/jvm/java-17-openjdk-amd64" : srcEnv);
    Prerequisites.require(Files.isDirectory(src), src + ", the folder bench/compare-apk makes its large repository from"
        + " (apt-get install openjdk-17-jdk-headless, or set APKIMG_BENCH_BIG_SRC)");
    javaCommand = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    deleteTree(work);
    deleteTree(recordingDir);
    Files.createDirectories(work);
    Files.createDirectories(recordingDir);
    Path repo = work.resolve("repo");
    long started = System.nanoTime();
    Processes.Output made = Processes.exec(work, python.toString(), apkrepo.toString(), "from-dir", src.toString(),
        repo.toString(), key.toString(), Integer.toString(PACKAGES), ARCH);
    double seconds = (System.nanoTime() - started) / 1e9;
    assertThat(made.code()).as("apkrepo.py from-dir; " + made).isZero();
    try (Stream<Path> apks = Files.list(repo.resolve(ARCH))) {
      long bytes = 0;
      for (Path apk : apks.filter(p -> p.toString().endsWith(".apk")).toList()) {
        bytes += Files.size(apk);
      }
      // The benchmark's size, roughly: a JDK much smaller than compare-apk's would not show progress.
      assertThat(bytes).as("bytes of apks in " + repo).isGreaterThan(100L << 20);
      note(String.format(Locale.ROOT, "made the benchmark repository (%d packages, %.1f MiB of apks) from %s in %.1f s",
          PACKAGES + 1, bytes / 1048576.0, src, seconds));
    }
    server = LoopbackHttpServer.serve(repo);
    profile = work.resolve("big.yaml");
    Files.writeString(profile, """
        contents:
          repositories: [%s]
          keyring: [%s]
          packages: [big-all]
        archs: [%s]
        """.formatted(server.url(), key.resolveSibling("apkimg-test.rsa.pub"), ARCH));
  }

  @AfterAll
  void stopServing() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void inATerminalTheBuildEndsWithTheFinishedStepsAndTheDigestAndNoLiveLinesLeft() throws Exception {
    Recording r = recording();
    String history = r.history();
    List<String> lines = history.lines().map(String::stripTrailing).toList();
    assertThat(lines).as(history).contains("apkimg-exit-0");
    String digest = r.digest();
    int resolved = indexOfMatch(lines, ELAPSED + "resolved 41 packages for x86_64: big-000-1\\.0-r0 .*big-all-1\\.0-r0");
    int layer = indexOfMatch(lines, ELAPSED + "layer: \\d+ entries, \\d+ bytes compressed, \\d+ bytes");
    int wrote = indexOfMatch(lines, ELAPSED + "wrote .*out\\.tar \\(big:latest, " + digest + "\\)");
    int digestLine = lines.lastIndexOf(digest);
    assertThat(resolved).as(history).isNotNegative();
    assertThat(layer).as(history).isGreaterThan(resolved);
    assertThat(wrote).as(history).isGreaterThan(layer);
    assertThat(digestLine).as(history).isGreaterThan(wrote);
    assertThat(lines.get(digestLine + 1)).as(history).isEqualTo("apkimg-exit-0");
    // The live block was cleared: only warnings come between the last step and the digest, and
    // nothing the live display drew was left behind, on screen or scrolled off it.
    assertThat(lines.subList(wrote + 1, digestLine)).as(history)
        .allMatch(l -> l.matches(ELAPSED + "apkimg: warning: .*"));
    assertThat(lines).as(history)
        .noneMatch(l -> FETCHING.matcher(l).find() || WRITING.matcher(l).find() || l.contains("downloading "));
    assertThat(r.requestedApks()).as("packages downloaded from the mirror").isEqualTo(PACKAGES + 1);
  }

  /** Waits on the core's progress events and the terminal's live display (issue #14, item 1). */
  @Test
  void inATerminalFramesDuringTheBuildShowDownloadsAndLayerWritingRedrawnInPlace() throws Exception {
    Recording r = recording();
    String where = "frames in " + recordingDir.resolve("tty-frames.txt");
    List<Integer> counts = new ArrayList<>();
    boolean writing = false;
    for (Frame frame : r.frames()) {
      List<String> fetching = frame.screen().lines().filter(l -> FETCHING.matcher(l).find()).toList();
      // Redrawn in place: one download line per frame, never a new line per update.
      assertThat(fetching).as("%s: the frame at %.3f s%n%s", where, frame.seconds(), frame.screen()).hasSizeLessThan(2);
      for (String line : fetching) {
        Matcher m = FETCHING.matcher(line);
        m.find();
        counts.add(Integer.parseInt(m.group(1)));
      }
      writing |= frame.screen().lines().anyMatch(l -> WRITING.matcher(l).find());
    }
    assertThat(counts).as(where + ": package counts of the frames showing downloads")
        .hasSizeGreaterThanOrEqualTo(2);
    assertThat(counts.stream().distinct().count()).as(where + ": the count changed between frames " + counts)
        .isGreaterThan(1);
    assertThat(writing).as(where + ": a frame shows the layer being written").isTrue();
  }

  @Test
  void inCiModeEveryStderrLineIsAStepWithItsElapsedSecondsAndStdoutHoldsOnlyTheDigest() throws Exception {
    Run run = runPlainly("plain", Map.of("CI", "true"));
    List<String> lines = run.stderr().lines().toList();
    assertThat(lines).as(run.stderr()).allMatch(l -> l.matches(ELAPSED + ".*"));
    assertThat(lines).as(run.stderr())
        .anyMatch(l -> l.matches(ELAPSED + "resolved 41 packages for x86_64: big-000-1\\.0-r0 .*"))
        .anyMatch(l -> l.matches(ELAPSED + "layer: \\d+ entries, .*"))
        .anyMatch(l -> l.matches(ELAPSED + "wrote .*out\\.tar \\(big:latest, " + run.digest() + "\\)"))
        .noneMatch(l -> l.contains("\r") || l.contains("\u001b"));
    // Elapsed seconds only grow.
    List<Double> elapsed = lines.stream()
        .map(l -> Double.parseDouble(l.substring(1, l.indexOf('s')).strip())).toList();
    assertThat(elapsed).as(run.stderr()).isSortedAccordingTo(Comparator.naturalOrder());
  }

  @Test
  void withProgressJsonEveryStderrLineIsAJsonEventAndStdoutHoldsOnlyTheDigest() throws Exception {
    Run run = runPlainly("json", Map.of(), "--progress", "json");
    ObjectMapper json = new ObjectMapper();
    List<String> events = new ArrayList<>();
    for (String line : run.stderr().lines().toList()) {
      JsonNode node = json.readTree(line);
      assertThat(node.isObject()).as(line).isTrue();
      assertThat(node.path("t").isNumber()).as(line).isTrue();
      assertThat(node.path("event").isTextual()).as(line).isTrue();
      assertThat(node.path("level").isTextual()).as(line).isTrue();
      assertThat(node.path("message").isTextual()).as(line).isTrue();
      events.add(node.get("event").asText());
    }
    assertThat(events).as(run.stderr()).contains("resolved", "layer-written", "wrote");
  }

  // ---- the terminal session ------------------------------------------------------------------

  /** One screen as tmux showed it, {@code seconds} after the command was typed. */
  record Frame(double seconds, String screen) {}

  /** The tmux session of one build: its distinct frames, the whole history at the end, and more. */
  record Recording(List<Frame> frames, String history, String digest, long requestedApks) {}

  /** The terminal build, run once for the tests that read it. */
  private synchronized Recording recording() throws Exception {
    Prerequisites.requireCommand("tmux"); // a skip (without APKIMG_IT_REQUIRED) for each test, not a failure
    if (recordingFailed != null) {
      throw new AssertionError("the terminal build failed (see the other test's failure)", recordingFailed);
    }
    if (recording == null) {
      try {
        recording = record();
      } catch (Exception | AssertionError e) {
        recordingFailed = e;
        throw e;
      }
    }
    return recording;
  }

  private Recording record() throws Exception {
    Path tmux = Prerequisites.findCommand("tmux").orElseThrow();
    Path dir = Files.createDirectories(work.resolve("tty"));
    Path digestFile = dir.resolve("digest");
    // tmux's socket path must stay short (unix sockets: 108 bytes): a folder of its own in /tmp.
    Path socketDir = Files.createTempDirectory("apkimg-tmux");
    String socket = socketDir.resolve("s").toString();
    // CI unset: on CI runners CI=true would choose plain lines even in a terminal.
    String command = String.join(" ", "env", "-u", "CI", "JAVA=" + quote(javaCommand),
        "XDG_CACHE_HOME=" + quote(work.resolve("xdg").toString()), quote(launcher.toString()), "build",
        quote(profile.toString()), "-o", quote(dir.resolve("out.tar").toString()), "--cache-dir",
        quote(dir.resolve("cache").toString()), "--digest-file", quote(digestFile.toString()), "--no-lockfile",
        "; echo apkimg-exit-$?");
    Path raw = recordingDir.resolve("tty.raw");
    List<Frame> frames = new ArrayList<>();
    String history;
    server.clearLog();
    try {
      tmux(tmux, socket, "new-session", "-d", "-x", "160", "-y", "50", "sh");
      tmux(tmux, socket, "pipe-pane", "-o", "cat >> " + quote(raw.toString()));
      long typed = System.nanoTime();
      tmux(tmux, socket, "send-keys", command, "Enter");
      long deadline = typed + TimeUnit.MINUTES.toNanos(5);
      String screen = "";
      // The typed command holds "apkimg-exit-$?" too: wait for the line echo prints.
      while (screen.lines().noneMatch(l -> l.strip().matches(EXIT_LINE))) {
        assertThat(System.nanoTime()).as("the build ends within 5 minutes; last screen:\n" + screen).isLessThan(deadline);
        long polled = System.nanoTime();
        screen = tmux(tmux, socket, "capture-pane", "-p", "-J");
        if (frames.isEmpty() || !frames.get(frames.size() - 1).screen().equals(screen)) {
          frames.add(new Frame((polled - typed) / 1e9, screen));
        }
        long spent = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - polled);
        Thread.sleep(Math.max(10, 100 - spent));
      }
      history = tmux(tmux, socket, "capture-pane", "-p", "-J", "-S", "-");
    } finally {
      new ProcessBuilder(tmux.toString(), "-S", socket, "kill-server").start().waitFor(10, TimeUnit.SECONDS);
      deleteTree(socketDir);
    }
    long apks = server.requestedPaths().stream().filter(p -> p.endsWith(".apk")).count();
    StringBuilder text = new StringBuilder("# tmux recording of `apkimg build` (world big-all, " + (PACKAGES + 1)
        + " packages, empty cache) in a 160x50 pane; each frame is a distinct `tmux capture-pane -p -J`, polled"
        + " every ~100 ms, with its time since the command was typed. tty.raw holds the bytes the terminal"
        + " received: `cat tty.raw` in a 160-column terminal replays the session.\n");
    for (int i = 0; i < frames.size(); i++) {
      text.append(String.format(Locale.ROOT, "%n=== frame %d at %.3f s ===%n", i + 1, frames.get(i).seconds()))
          .append(frames.get(i).screen());
    }
    Files.writeString(recordingDir.resolve("tty-frames.txt"), text);
    Files.writeString(recordingDir.resolve("tty-history.txt"), history);
    note(String.format(Locale.ROOT, "terminal build: %d distinct frames over %.1f s; recording in %s", frames.size(),
        frames.get(frames.size() - 1).seconds(), recordingDir));
    String digest = Files.exists(digestFile) ? Files.readString(digestFile).strip() : "(no digest file)";
    deleteBuildOutputs(dir);
    return new Recording(List.copyOf(frames), history, digest, apks);
  }

  private static String tmux(Path tmux, String socket, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(tmux.toString(), "-S", socket));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().putIfAbsent("TERM", "xterm");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", command) + ": " + out).isZero();
    return out;
  }

  // ---- the runs with stdout and stderr apart -------------------------------------------------

  /** What a build without a terminal printed; stdout already checked to be the digest alone. */
  record Run(String stderr, String digest) {}

  private Run runPlainly(String name, Map<String, String> env, String... flags) throws Exception {
    Path dir = Files.createDirectories(work.resolve(name));
    Path digestFile = dir.resolve("digest");
    List<String> command = new ArrayList<>(List.of(launcher.toString(), "build", profile.toString(), "-o",
        dir.resolve("out.tar").toString(), "--cache-dir", dir.resolve("cache").toString(), "--digest-file",
        digestFile.toString(), "--no-lockfile"));
    command.addAll(List.of(flags));
    Path stdout = recordingDir.resolve(name + ".stdout");
    Path stderr = recordingDir.resolve(name + ".stderr");
    ProcessBuilder pb = new ProcessBuilder(command)
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
        .redirectOutput(stdout.toFile())
        .redirectError(stderr.toFile());
    pb.environment().remove("CI");
    pb.environment().putAll(env);
    pb.environment().put("JAVA", javaCommand);
    pb.environment().put("XDG_CACHE_HOME", work.resolve("xdg").toString());
    server.clearLog();
    long started = System.nanoTime();
    Process p = pb.start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("the " + name + " build did not end within 5 minutes");
    }
    String out = Files.readString(stdout);
    String err = Files.readString(stderr);
    note(String.format(Locale.ROOT, "%s build: %.1f s", name, (System.nanoTime() - started) / 1e9));
    assertThat(p.exitValue()).as("exit code\n--- stdout\n" + out + "\n--- stderr\n" + err).isZero();
    String digest = Files.readString(digestFile).strip();
    assertThat(digest).matches(DIGEST);
    assertThat(out).as("stdout").isEqualTo(digest + "\n");
    assertThat(server.requestedPaths().stream().filter(path -> path.endsWith(".apk")).count())
        .as("packages downloaded from the mirror").isEqualTo(PACKAGES + 1);
    deleteBuildOutputs(dir);
    return new Run(err, digest);
  }

  // ---- helpers ----------------------------------------------------------------------------------

  /** The image and the cache are some 400 MiB per build: only the recording is worth keeping. */
  private static void deleteBuildOutputs(Path dir) throws IOException {
    Files.deleteIfExists(dir.resolve("out.tar"));
    deleteTree(dir.resolve("cache"));
  }

  private void note(String line) throws IOException {
    System.out.println("BenchmarkProgressIT: " + line);
    Files.writeString(recordingDir.resolve("notes.txt"), line + "\n", StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  private static int indexOfMatch(List<String> lines, String regex) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).matches(regex)) {
        return i;
      }
    }
    return -1;
  }

  private static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
