package dev.apkimg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.testing.LoopbackHttpServer;
import dev.apkimg.testing.Prerequisites;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real jar in a terminal, recorded with tmux: {@code --progress auto} sees a terminal and
 * redraws its status line; once the build is done the screen holds the finished steps, the digest,
 * and no status line.
 */
class TerminalProgressIT {
  @TempDir Path tmp;

  @Test
  void aBuildInATerminalLeavesTheFinishedStepsAndTheDigestOnScreen() throws Exception {
    Path tmux = Prerequisites.requireCommand("tmux");
    Path jar = Path.of("target", "apkimg.jar").toAbsolutePath();
    Prerequisites.require(Files.isRegularFile(jar), jar + " (run after package)");

    Path keyFile = TestKeys.primary().writePublicKey(tmp.resolve("keys"));
    Path mirror = tmp.resolve("mirror");
    new TestRepository(TestKeys.primary())
        .add(TestPackage.builder("app", "2.0-r1").builddate(1_700_000_100L)
            .dir("usr").dir("usr/bin").file("usr/bin/app", "#!/bin/sh\necho app\n".getBytes(StandardCharsets.UTF_8), 0755)
            .build())
        .write(mirror.resolve("alpine/main"));
    Path socket = tmp.resolve("tmux.sock");
    try (LoopbackHttpServer server = LoopbackHttpServer.serve(mirror)) {
      Path profile = tmp.resolve("app.yaml");
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
      Path digestFile = tmp.resolve("digest");
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      // CI unset: on CI runners CI=true would choose plain lines even in a terminal.
      String command = String.join(" ", "env", "-u", "CI", quote(java), "-jar", quote(jar.toString()), "build",
          quote(profile.toString()), "-o", quote(tmp.resolve("out.tar").toString()), "--cache-dir",
          quote(tmp.resolve("cache").toString()), "--digest-file", quote(digestFile.toString()),
          "; echo apkimg-exit-$?");
      try {
        run(tmux.toString(), "-S", socket.toString(), "new-session", "-d", "-x", "160", "-y", "40", "sh");
        // What the terminal received, escapes and all: auto chose the redrawn status line.
        Path raw = tmp.resolve("terminal.raw");
        run(tmux.toString(), "-S", socket.toString(), "pipe-pane", "-o", "cat >> " + quote(raw.toString()));
        run(tmux.toString(), "-S", socket.toString(), "send-keys", command, "Enter");
        String screen = "";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        // The typed command line holds "apkimg-exit-$?" too: wait for the line echo prints.
        while (screen.lines().noneMatch(l -> l.strip().matches("apkimg-exit-\\d+")) && System.nanoTime() < deadline) {
          Thread.sleep(200);
          screen = run(tmux.toString(), "-S", socket.toString(), "capture-pane", "-p", "-J");
        }
        assertThat(screen.lines().map(String::strip)).as(screen).contains("apkimg-exit-0");
        List<String> lines = screen.lines().map(String::stripTrailing).toList();
        String digest = Files.readString(digestFile).strip();
        int resolved = indexOfMatch(lines, "\\[ *\\d+\\.\\d\\ds\\] resolved 1 packages for x86_64: app-2\\.0-r1");
        int wrote = indexOfMatch(lines, "\\[ *\\d+\\.\\d\\ds\\] wrote .*out\\.tar \\(app:latest, " + digest + "\\)");
        int digestLine = lines.indexOf(digest);
        assertThat(resolved).as(screen).isNotNegative();
        assertThat(wrote).as(screen).isGreaterThan(resolved);
        assertThat(digestLine).as(screen).isGreaterThan(wrote);
        // The status line was cleared: nothing but finished lines between the last step and the digest.
        assertThat(lines.subList(wrote + 1, digestLine)).as(screen)
            .allMatch(l -> l.matches("\\[ *\\d+\\.\\d\\ds\\] apkimg: warning: .*"));
        assertThat(lines.get(digestLine + 1)).isEqualTo("apkimg-exit-0");
        assertThat(Files.readString(raw, StandardCharsets.ISO_8859_1)).as("the terminal's input")
            .contains(ProgressPrinter.ERASE_LINE + "[");
      } finally {
        new ProcessBuilder(tmux.toString(), "-S", socket.toString(), "kill-server").start().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void ctrlCDuringADownloadLeavesNoLiveLinesOnScreen() throws Exception {
    Path tmux = Prerequisites.requireCommand("tmux");
    Path jar = Path.of("target", "apkimg.jar").toAbsolutePath();
    Prerequisites.require(Files.isRegularFile(jar), jar + " (run after package)");

    Path keyFile = TestKeys.primary().writePublicKey(tmp.resolve("keys"));
    Path mirror = tmp.resolve("mirror");
    new TestRepository(TestKeys.primary())
        .add(TestPackage.builder("app", "2.0-r1").builddate(1_700_000_100L)
            .dir("usr").dir("usr/bin").file("usr/bin/app", new byte[200_000], 0755)
            .build())
        .write(mirror.resolve("alpine/main"));
    Path socket = tmp.resolve("tmux.sock");
    // The package's download stops halfway: the build waits in the fetch with its live block drawn.
    try (LoopbackHttpServer server = LoopbackHttpServer.serve(mirror).stallOn(p -> p.endsWith(".apk"))) {
      Path profile = tmp.resolve("app.yaml");
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
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      String command = String.join(" ", "env", "-u", "CI", quote(java), "-jar", quote(jar.toString()), "build",
          quote(profile.toString()), "-o", quote(tmp.resolve("out.tar").toString()), "--cache-dir",
          quote(tmp.resolve("cache").toString()), "; echo apkimg-exit-$?");
      try {
        run(tmux.toString(), "-S", socket.toString(), "new-session", "-d", "-x", "160", "-y", "40", "sh");
        run(tmux.toString(), "-S", socket.toString(), "send-keys", command, "Enter");
        // The fetch is under way: its live line (the step, or the fetch's header) is on screen.
        String screen = waitFor(tmux, socket, s -> s.lines().anyMatch(l -> l.matches("\\[ *\\d+\\.\\d\\ds\\] fetching .*")));
        assertThat(Files.exists(tmp.resolve("out.tar"))).isFalse();
        run(tmux.toString(), "-S", socket.toString(), "send-keys", "C-c");
        screen = waitFor(tmux, socket, s -> s.lines().anyMatch(l -> l.strip().matches("apkimg-exit-\\d+")));
        List<String> lines = screen.lines().map(String::stripTrailing).toList();
        int resolved = indexOfMatch(lines, "\\[ *\\d+\\.\\d\\ds\\] resolved 1 packages for x86_64: app-2\\.0-r1");
        int interrupted = lines.indexOf(Main.INTERRUPTED);
        assertThat(resolved).as(screen).isNotNegative();
        // Right below the finished lines: the interrupted line on a line of its own, nothing of the block.
        assertThat(interrupted).as(screen).isGreaterThan(resolved);
        assertThat(lines.subList(resolved + 1, interrupted)).as(screen)
            .allMatch(l -> l.matches("\\[ *\\d+\\.\\d\\ds\\] apkimg: warning: .*"));
        assertThat(lines.get(interrupted + 1)).as(screen).isEqualTo("apkimg-exit-130");
        assertThat(lines).as(screen).noneMatch(l -> l.contains("fetching") || l.contains("[#"));
      } finally {
        new ProcessBuilder(tmux.toString(), "-S", socket.toString(), "kill-server").start().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /** The pane's text once {@code done} holds for it (60 s at most). */
  private static String waitFor(Path tmux, Path socket, java.util.function.Predicate<String> done) throws Exception {
    String screen = "";
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!done.test(screen) && System.nanoTime() < deadline) {
      Thread.sleep(200);
      screen = run(tmux.toString(), "-S", socket.toString(), "capture-pane", "-p", "-J");
    }
    assertThat(done.test(screen)).as(screen).isTrue();
    return screen;
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

  private static String run(String... command) throws IOException, InterruptedException {
    List<String> args = new ArrayList<>(List.of(command));
    ProcessBuilder pb = new ProcessBuilder(args).redirectErrorStream(true);
    pb.environment().putIfAbsent("TERM", "xterm");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", command) + ": " + out).isZero();
    return out;
  }
}
