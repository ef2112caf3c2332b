package dev.apkimg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The conventions every command keeps: help with examples and the exit codes, --version naming
 * apkimg, jib-core and Java, exit codes 0 / 1 / 2 per command, and no colours under NO_COLOR.
 */
class CliConventionsTest {
  static final List<String> COMMANDS = List.of("build", "resolve", "lock", "sbom", "show-config", "schema");

  @TempDir Path tmp;
  private Path profile;

  @BeforeEach
  void repository() throws IOException {
    Path keys = tmp.resolve("keys");
    TestKeys.primary().writePublicKey(keys);
    TestRepository repo = new TestRepository(TestKeys.primary());
    repo.add(TestPackage.builder("hello", "1.0-r0").arch("x86_64").builddate(1_700_000_000L).license("MIT")
        .dir("usr").dir("usr/bin").file("usr/bin/hello", "hello\n").build());
    repo.write(tmp.resolve("mirror/v3.19/main"));
    profile = Files.writeString(tmp.resolve("hello.yaml"), """
        contents:
          repositories: [mirror/v3.19/main]
          keyring: [keys]
          packages: [hello]
        archs: [x86_64]
        """);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "build", "resolve", "lock", "sbom", "show-config", "schema"})
  void everyCommandsHelpHasExamplesAndTheExitCodes(String command) {
    List<String> args = new ArrayList<>(command.isEmpty() ? List.of() : List.of(command));
    args.add("--help");
    Processes.Output help = Processes.apkimg(args);
    assertThat(help.code()).as(help.toString()).isZero();
    assertThat(help.out()).contains("Examples:", "  apkimg " + command)
        .contains("Exit codes: 0 success, 1 failed", "2 wrong usage", "130/143 interrupted");
  }

  @Test
  void versionNamesApkimgJibCoreAndJavaWithItsVendor() throws Exception {
    Processes.Output version = Processes.apkimg(List.of("--version"));
    assertThat(version.code()).isZero();
    // The jib-core jar on the class path (Gradle-built: no pom.properties), by its file name.
    String jibJar = Path.of(com.google.cloud.tools.jib.api.Jib.class.getProtectionDomain().getCodeSource()
        .getLocation().toURI()).getFileName().toString();
    assertThat(jibJar).matches("jib-core-.+\\.jar");
    String jibVersion = jibJar.substring("jib-core-".length(), jibJar.length() - ".jar".length());
    List<String> lines = version.out().lines().toList();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0)).matches("apkimg \\d+\\.\\d+\\.\\d+.*");
    assertThat(lines.subList(1, 3)).containsExactly(
        "jib-core " + jibVersion,
        "Java " + System.getProperty("java.runtime.version") + " (" + System.getProperty("java.vendor") + ", "
            + System.getProperty("java.vm.name") + ")");
    assertThat(version.out()).doesNotContain("unknown").doesNotContain("${");
  }

  @Test
  void exitCodesOfBuild() {
    assertExitCodes("build", List.of(profile.toString(), "-o", tmp.resolve("a.tar").toString(),
        "--cache-dir", tmp.resolve("cache").toString(), "-q"));
  }

  @Test
  void exitCodesOfResolve() {
    assertExitCodes("resolve", List.of(profile.toString(), "--cache-dir", tmp.resolve("cache").toString()));
  }

  @Test
  void exitCodesOfLock() {
    assertExitCodes("lock", List.of(profile.toString(), "-o", tmp.resolve("hello.lock.json").toString(),
        "--cache-dir", tmp.resolve("cache").toString(), "-q"));
  }

  @Test
  void exitCodesOfShowConfig() {
    assertExitCodes("show-config", List.of(profile.toString()));
  }

  @Test
  void exitCodesOfSbom() {
    Path archive = tmp.resolve("a.tar");
    assertThat(Processes.apkimg(List.of("build", profile.toString(), "-o", archive.toString(), "--sbom",
        "--cache-dir", tmp.resolve("cache").toString(), "-q")).code()).isZero();
    assertExitCodes("sbom", List.of(archive.toString(), "-o", tmp.resolve("a.spdx.json").toString()));
  }

  @Test
  void exitCodesOfSchema() {
    Processes.Output ok = Processes.apkimg(List.of("schema"));
    assertThat(ok.code()).as(ok.toString()).isZero();
    assertThat(ok.out()).contains("\"$schema\"");
    Processes.Output usage = Processes.apkimg(List.of("schema", "extra"));
    assertThat(usage.code()).as(usage.toString()).isEqualTo(2);
    assertThat(usage.out()).isEmpty();
    // schema reads nothing and only prints: it has no way to fail with 1.
  }

  /** 0 with {@code okArgs}; 1 when the input named is missing; 2 on an unknown option and without arguments. */
  private void assertExitCodes(String command, List<String> okArgs) {
    List<String> ok = new ArrayList<>(List.of(command));
    ok.addAll(okArgs);
    Processes.Output success = Processes.apkimg(ok);
    assertThat(success.code()).as(success.toString()).isZero();

    List<String> failing = new ArrayList<>(ok);
    failing.set(1, tmp.resolve("missing-input").toString());
    Processes.Output failed = Processes.apkimg(failing);
    assertThat(failed.code()).as(failed.toString()).isEqualTo(1);
    assertThat(failed.err().strip()).startsWith("apkimg: error: ").doesNotContain("\n");

    List<String> unknownOption = new ArrayList<>(ok);
    unknownOption.add("--no-such-option");
    Processes.Output usage = Processes.apkimg(unknownOption);
    assertThat(usage.code()).as(usage.toString()).isEqualTo(2);
    assertThat(usage.err()).contains("--no-such-option");
    assertThat(usage.out()).isEmpty();

    Processes.Output noArguments = Processes.apkimg(List.of(command));
    assertThat(noArguments.code()).as(noArguments.toString()).isEqualTo(2);
  }

  @Test
  void noColorTurnsColoursOffEvenWhenPicocliIsForcedToUseThem() throws Exception {
    Processes.Output forced = help(Map.of());
    assertThat(forced.code()).as(forced.toString()).isZero();
    assertThat(forced.out()).as("-Dpicocli.ansi=true colours the help").contains("\u001b[");

    Processes.Output noColor = help(Map.of("NO_COLOR", "1"));
    assertThat(noColor.code()).as(noColor.toString()).isZero();
    assertThat(noColor.out()).contains("Usage: apkimg build").doesNotContain("\u001b");

    Processes.Output usageError = run(Map.of("NO_COLOR", "yes"), "build", "--no-such-option");
    assertThat(usageError.code()).isEqualTo(2);
    assertThat(usageError.err()).contains("Usage: apkimg build").doesNotContain("\u001b");
  }

  @Test
  void ansiIsAutoUnlessNoColorIsSetAndNotEmpty() {
    assertThat(Main.ansi(Map.of())).isEqualTo(picocli.CommandLine.Help.Ansi.AUTO);
    assertThat(Main.ansi(Map.of("NO_COLOR", ""))).isEqualTo(picocli.CommandLine.Help.Ansi.AUTO);
    assertThat(Main.ansi(Map.of("NO_COLOR", "0"))).isEqualTo(picocli.CommandLine.Help.Ansi.OFF);
  }

  private Processes.Output help(Map<String, String> env) throws Exception {
    return run(env, "build", "--help");
  }

  /** apkimg in a JVM of its own, with colours forced on by picocli's system property. */
  private Processes.Output run(Map<String, String> env, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dpicocli.ansi=true", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command)
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
        .redirectOutput(tmp.resolve("out.txt").toFile())
        .redirectError(tmp.resolve("err.txt").toFile());
    pb.environment().remove("NO_COLOR");
    pb.environment().putAll(env);
    Process p = pb.start();
    if (!p.waitFor(2, java.util.concurrent.TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: " + command);
    }
    return new Processes.Output(p.exitValue(), Files.readString(tmp.resolve("out.txt")),
        Files.readString(tmp.resolve("err.txt")));
  }
}
