package dev.apkimg.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Tests that need something outside the JVM (a command, root) call these. A missing prerequisite
 * skips the test, unless {@code APKIMG_IT_REQUIRED=1} is set (as in CI): then it fails, so CI
 * never silently skips.
 */
public final class Prerequisites {

  public static final String REQUIRED_ENV = "APKIMG_IT_REQUIRED";

  private Prerequisites() {}

  /** True when missing prerequisites must fail tests rather than skip them. */
  public static boolean required() {
    return "1".equals(System.getenv(REQUIRED_ENV));
  }

  /** Returns the executable {@code name} found on PATH, or skips / fails the test. */
  public static Path requireCommand(String name) {
    Optional<Path> found = findCommand(name);
    require(found.isPresent(), "command '" + name + "' not found" + (name.contains("/") ? "" : " on PATH"));
    return found.orElseThrow();
  }

  /** Skips (or, when required, fails) the test unless {@code condition} holds. */
  public static void require(boolean condition, String whatIsMissing) {
    if (condition) {
      return;
    }
    if (required()) {
      fail("missing test prerequisite (" + REQUIRED_ENV + "=1): " + whatIsMissing);
    }
    Assumptions.abort("skipped, missing test prerequisite: " + whatIsMissing);
  }

  /** Requires running as root (uid 0), for chroot and bind mounts. */
  public static void requireRoot() {
    long uid;
    try {
      uid = new com.sun.security.auth.module.UnixSystem().getUid();
    } catch (Throwable e) { // not a Unix JDK
      require(false, "cannot determine the user id: " + e);
      return;
    }
    require(uid == 0, "needs root (running as uid " + uid + ")");
  }

  /**
   * Requires {@code ../shared/fixtures} and returns it. Maven runs a module's tests in the module
   * directory, so the working directory's ancestors are tried: {@code ../shared}, {@code ../../shared}, ...
   */
  public static Path requireSharedFixtures() {
    Path cwd = Path.of("").toAbsolutePath().normalize();
    for (Path dir = cwd.getParent(); dir != null; dir = dir.getParent()) {
      Path fixtures = dir.resolve("shared").resolve("fixtures");
      if (Files.isDirectory(fixtures)) {
        return fixtures;
      }
    }
    require(false, "../shared/fixtures not found above " + cwd);
    return null; // not reached: require(false, ...) always throws
  }

  /**
   * Requires a Docker daemon that answers {@code docker info} (the one {@code DOCKER_HOST} names,
   * else the default socket) and returns the {@code docker} command. {@code .ci/run} starts one.
   */
  public static Path requireDockerDaemon() {
    Path docker = requireCommand("docker");
    String answer;
    try {
      answer = dockerInfo(docker);
    } catch (IOException e) {
      answer = "docker info failed: " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      answer = "interrupted while waiting for docker info";
    }
    String host = System.getenv("DOCKER_HOST");
    require(answer == null, "no Docker daemon answers at " + (host == null ? "the default socket" : "DOCKER_HOST=" + host)
        + " (" + answer + "); start one as root, e.g. dockerd --storage-driver=vfs --iptables=false --bridge=none"
        + " -H unix:///run/apkimg-docker.sock, and export DOCKER_HOST=unix:///run/apkimg-docker.sock");
    return docker;
  }

  /** Null when the daemon answered; else why not, in one line. Waits at most 30 seconds. */
  private static String dockerInfo(Path docker) throws IOException, InterruptedException {
    Path output = Files.createTempFile("apkimg-docker-info", ".txt");
    try {
      Process info = new ProcessBuilder(docker.toString(), "info", "--format", "{{.ServerVersion}}")
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectErrorStream(true).redirectOutput(output.toFile()).start();
      if (!info.waitFor(30, TimeUnit.SECONDS)) {
        info.destroyForcibly();
        return "docker info did not answer in 30 s";
      }
      String said = Files.readString(output).strip();
      if (info.exitValue() == 0 && !said.isEmpty()) {
        return null;
      }
      return "docker info: exit " + info.exitValue() + ", "
          + said.lines().filter(l -> !l.isBlank()).reduce((a, b) -> b).orElse("no output");
    } finally {
      Files.deleteIfExists(output);
    }
  }

  /** The executable {@code name} on PATH (or at that path, if it has a slash), if any. */
  public static Optional<Path> findCommand(String name) {
    if (name.contains("/")) {
      Path p = Path.of(name);
      return Files.isRegularFile(p) && Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }
}
