package dev.apkimg.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
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
    require(found.isPresent(), "command '" + name + "' not found on PATH");
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

  /** The executable {@code name} on PATH, if any. */
  public static Optional<Path> findCommand(String name) {
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
