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

  @Test
  void onJava25TheAheadOfTimeCacheIsMadeAndUsedAndStdoutHoldsOnlyApkimgsOutput() throws Exception {
    Path launcher = Path.of("..", "bin", "apkimg").toAbsolutePath().normalize();
    Path jar = Path.of("target", "apkimg.jar").toAbsolutePath();
    Prerequisites.require(Files.isRegularFile(jar), jar + " (run after package)");
    Path java25 = null;
    try (Stream<Path> jdks = Files.list(Path.of("/usr/lib/jvm"))) {
      for (Path jdk : jdks.sorted().toList()) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)").matcher(jdk.getFileName().toString());
        if (Files.isExecutable(jdk.resolve("bin/java")) && m.find() && Integer.parseInt(m.group(1)) >= 25) {
          java25 = jdk.resolve("bin/java");
        }
      }
    } catch (IOException e) {
      // none
    }
    Prerequisites.require(java25 != null, "a Java 25 or later in /usr/lib/jvm");

    Result first = run(launcher, jar, java25, "--version");
    assertThat(first.code).as(first.err).isZero();
    assertThat(first.out).startsWith("apkimg ").doesNotContain("AOT");
    assertThat(first.err).as("no JVM notes about the cache, no Unsafe warning from Guava").isEmpty();
    assertThat(files(".aot")).hasSize(1);

    Result second = run(launcher, jar, java25, "--version");
    assertThat(second.code).as(second.err).isZero();
    assertThat(second.out).isEqualTo(first.out);
    assertThat(second.err).isEmpty();

    Result error = run(launcher, jar, java25, "build", cache.resolve("missing.yaml").toString(), "-o", "x.tar");
    assertThat(error.code).isEqualTo(1);
    assertThat(error.err).startsWith("apkimg: error: profile ").contains("does not exist");
  }

  private List<Path> archives() throws IOException {
    return files(".jsa");
  }

  private List<Path> files(String suffix) throws IOException {
    try (Stream<Path> s = Files.list(cache.resolve("apkimg/cds"))) {
      return s.filter(p -> p.getFileName().toString().endsWith(suffix)).toList();
    }
  }

  private Result run(Path launcher, Path jar, String... args) throws Exception {
    return run(launcher, jar, null, args);
  }

  private Result run(Path launcher, Path jar, Path java, String... args) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(Stream.concat(Stream.of("sh", launcher.toString()), Stream.of(args)).toList());
    if (java != null) {
      pb.environment().put("JAVA", java.toString());
    }
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
