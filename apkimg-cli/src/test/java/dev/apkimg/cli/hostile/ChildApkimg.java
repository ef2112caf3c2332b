package dev.apkimg.cli.hostile;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * apkimg's {@code Main} in a child JVM, on the test's class path: what only a real process shows
 * (signals and exit codes, what libraries print straight to the process's stderr). HOME, the temp
 * folder and the working folder are the sandbox's, so nothing of the host leaks in or out.
 */
final class ChildApkimg {
  private final Path sandbox;
  private final Path tmpDir;

  ChildApkimg(Path sandbox) throws IOException {
    this.sandbox = sandbox;
    this.tmpDir = Files.createDirectories(sandbox.resolve("child-tmp"));
  }

  /** The child's {@code java.io.tmpdir}, where {@code apkimg-*} work folders would go. */
  Path tmpDir() {
    return tmpDir;
  }

  /** Starts {@code apkimg ARGS...}; stdout and stderr go to files in the sandbox. */
  Started start(String... args) throws IOException {
    return start(Map.of(), args);
  }

  /** Runs {@code apkimg ARGS...} to the end with these environment variables set too (HOME among them, if given). */
  Result run(Map<String, String> environment, String... args) throws IOException, InterruptedException {
    return start(environment, args).waitFor(180);
  }

  /** Starts {@code apkimg ARGS...} with these environment variables set too. */
  Started start(Map<String, String> environment, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xshare:auto", "-Djava.io.tmpdir=" + tmpDir, "-cp", System.getProperty("java.class.path"),
        "dev.apkimg.cli.Main"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(sandbox.toFile());
    Map<String, String> env = pb.environment();
    env.keySet().removeAll(List.of("DOCKER_CONFIG", "REGISTRY_AUTH_FILE", "XDG_RUNTIME_DIR",
        "APKIMG_REGISTRY_PASSWORD", "SOURCE_DATE_EPOCH", "HTTP_AUTH", "NETRC"));
    env.put("HOME", sandbox.toString());
    env.putAll(environment);
    Path out = Files.createTempFile(sandbox, "child-out", ".txt");
    Path err = Files.createTempFile(sandbox, "child-err", ".txt");
    pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
        .redirectOutput(out.toFile()).redirectError(err.toFile());
    return new Started(pb.start(), out, err);
  }

  /** Runs {@code apkimg ARGS...} to the end (at most 3 minutes). */
  Result run(String... args) throws IOException, InterruptedException {
    return start(args).waitFor(180);
  }

  /** A running child. */
  record Started(Process process, Path out, Path err) {
    /** Waits for the exit, at most {@code seconds}; the output files are removed after reading. */
    Result waitFor(long seconds) throws IOException, InterruptedException {
      long start = System.nanoTime();
      if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("apkimg did not exit within " + seconds + " s; stderr so far: " + Files.readString(err));
      }
      Result r = new Result(process.exitValue(), new String(Files.readAllBytes(out), StandardCharsets.UTF_8),
          HostileBuild.withoutOsReleaseWarning(new String(Files.readAllBytes(err), StandardCharsets.UTF_8)),
          (System.nanoTime() - start) / 1_000_000);
      Files.delete(out);
      Files.delete(err);
      return r;
    }

    /** Sends a signal with kill(1): INT, TERM. */
    void signal(String name) throws IOException, InterruptedException {
      Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
      if (kill.waitFor() != 0) {
        throw new IOException("kill -" + name + " " + process.pid() + " failed");
      }
    }
  }

  /** Exit code, what was printed, and how long the wait for the exit took. */
  record Result(int code, String out, String err, long waitedMillis) {
    @Override
    public String toString() {
      return "exit " + code + " after " + waitedMillis + " ms, stdout [" + out + "], stderr [" + err + "]";
    }
  }
}
