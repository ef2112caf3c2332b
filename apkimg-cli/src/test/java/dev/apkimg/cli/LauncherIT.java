package dev.apkimg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.testing.Prerequisites;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bin/apkimg: runs the jar, makes its class-data archive on first use, and uses it after. */
class LauncherIT {
  @TempDir Path cache;

  @Test
  void firstRunMakesTheArchiveAndEveryRunAnswersTheSame() throws Exception {
    Prerequisites.requireCommand("sh");
    Path launcher = Path.of("..", "bin", "apkimg").toAbsolutePath().normalize();
    Path jar = Path.of("target", "apkimg.jar").toAbsolutePath();
    Prerequisites.require(Files.isRegularFile(jar), jar + " (run after package)");

    Result first = run(launcher, jar, "--version");
    assertThat(first.code).as(first.err).isZero();
    assertThat(first.out).startsWith("apkimg ");
    assertThat(archives()).hasSize(1);

    Result second = run(launcher, jar, "--version");
    assertThat(second.code).as(second.err).isZero();
    assertThat(second.out).isEqualTo(first.out);
    assertThat(second.err).as("no JVM warnings about the archive").isEmpty();

    Result error = run(launcher, jar, "build", cache.resolve("missing.yaml").toString(), "-o", "x.tar");
    assertThat(error.code).isEqualTo(1);
    assertThat(error.err).startsWith("apkimg: error: profile ").contains("does not exist");
  }

  private List<Path> archives() throws IOException {
    try (Stream<Path> s = Files.list(cache.resolve("apkimg/cds"))) {
      return s.filter(p -> p.getFileName().toString().endsWith(".jsa")).toList();
    }
  }

  private Result run(Path launcher, Path jar, String... args) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(Stream.concat(Stream.of("sh", launcher.toString()), Stream.of(args)).toList());
    pb.environment().put("XDG_CACHE_HOME", cache.toString());
    pb.environment().put("APKIMG_JAR", jar.toString());
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    byte[] err = p.getErrorStream().readAllBytes();
    int code = p.waitFor();
    return new Result(code, new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
  }

  record Result(int code, String out, String err) {}
}
