package dev.apkimg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.testing.Prerequisites;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The release archives that every {@code mvn -B package} makes (target/release), as a user gets
 * them: their checksums pass {@code sha256sum -c}, and each archive, unpacked alone in a temporary
 * folder (nothing else of the repository beside it), runs {@code bin/apkimg --version} and a build
 * with a Java 17, also through a symbolic link to the launcher.
 *
 * <p>Maven's verify makes the archives and tells this test where they are (system properties
 * apkimg.release.dir and apkimg.release.name).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReleaseArchiveIT {
  @TempDir Path tmp;

  private Path releaseDir;
  private String name;
  private Path fixtures;
  private Path java17;

  @BeforeAll
  void findTheRelease() throws IOException {
    String dir = System.getProperty("apkimg.release.dir");
    Prerequisites.require(dir != null, "the system property apkimg.release.dir (run by Maven's verify, which makes the archives)");
    releaseDir = Path.of(dir);
    name = System.getProperty("apkimg.release.name");
    fixtures = Prerequisites.requireSharedFixtures();
    java17 = findJava17();
    Prerequisites.require(java17 != null, "a Java 17 (this JVM or one in /usr/lib/jvm)");
  }

  @ParameterizedTest
  @ValueSource(strings = {"tar.gz", "zip"})
  void theArchiveUnpackedAloneRunsVersionAndABuildWithJava17(String format) throws Exception {
    Processes.Output sums = exec(releaseDir, Map.of(), Prerequisites.requireCommand("sha256sum").toString(),
        "-c", name + ".sha256");
    assertThat(sums.code()).as(sums.toString()).isZero();
    assertThat(sums.out()).contains(name + "." + format + ": OK", name + ".jar: OK");

    Path unpacked = Files.createDirectories(tmp.resolve("unpacked-" + format));
    Path archive = releaseDir.resolve(name + "." + format);
    Processes.Output unpack = format.equals("zip")
        ? Processes.exec(tmp, Prerequisites.requireCommand("unzip").toString(), "-q", archive.toString(), "-d", unpacked.toString())
        : Processes.exec(tmp, Prerequisites.requireCommand("tar").toString(), "-xzf", archive.toString(), "-C", unpacked.toString());
    assertThat(unpack.code()).as(unpack.toString()).isZero();

    Path home = unpacked.resolve(name);
    try (Stream<Path> top = Files.list(unpacked)) {
      assertThat(top.toList()).as("one folder, named for the version").containsExactly(home);
    }
    assertThat(home.resolve("lib/apkimg.jar")).isRegularFile();
    assertThat(home.resolve("README.md")).isRegularFile();
    assertThat(home.resolve("LICENSE")).isRegularFile();
    assertThat(home.resolve("man/apkimg.1")).isRegularFile();
    assertThat(home.resolve("man/apkimg-build.1")).isRegularFile();
    Processes.Output completion = exec(tmp, Map.of(), Prerequisites.requireCommand("bash").toString(), "-c",
        "source \"$1\" && complete -p apkimg", "bash", home.resolve("completion/apkimg.bash").toString());
    assertThat(completion.code()).as(completion.toString()).isZero();
    assertThat(completion.out()).as("the archive's completion script loads in bash").contains("apkimg");
    Path launcher = home.resolve("bin/apkimg");
    assertThat(Files.getPosixFilePermissions(launcher)).contains(PosixFilePermission.OWNER_EXECUTE,
        PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_EXECUTE);

    Path work = Files.createDirectories(tmp.resolve("work-" + format));
    Path cache = tmp.resolve("cache-" + format);
    Processes.Output version = run(work, cache, launcher.toString(), "--version");
    assertThat(version.code()).as(version.toString()).isZero();
    assertThat(version.out()).as("the archive's version").startsWith(name.replaceFirst("^apkimg-", "apkimg "));
    try (Stream<Path> cds = Files.list(cache.resolve("apkimg/cds"))) {
      assertThat(cds.map(p -> p.getFileName().toString()).toList())
          .as("the first run made the class-data archive").anyMatch(f -> f.endsWith(".jsa"));
    }

    // A link elsewhere (as in /usr/local/bin) still finds lib/apkimg.jar beside the real script.
    Path link = Files.createDirectories(tmp.resolve("path-" + format)).resolve("apkimg");
    Files.createSymbolicLink(link, launcher);
    Processes.Output viaLink = run(work, cache, link.toString(), "--version");
    assertThat(viaLink.code()).as(viaLink.toString()).isZero();
    assertThat(viaLink.out()).isEqualTo(version.out());
    assertThat(viaLink.err()).as("the second run maps the archive without a word").isEmpty();

    Files.writeString(work.resolve("base.yaml"), """
        contents:
          repositories:
            - %s
          packages: [busybox]
        archs: [x86_64]
        entrypoint:
          command: /bin/sh
        """.formatted(fixtures.resolve("mirror/v3.20/main")));
    Processes.Output build = run(work, cache, link.toString(), "build", "base.yaml", "-o", "image.tar",
        "-k", fixtures.resolve("keys/apkimg-test.rsa.pub").toString(), "--cache-dir", tmp.resolve("apk-cache").toString());
    assertThat(build.code()).as(build.toString()).isZero();
    assertThat(build.out()).matches("sha256:[0-9a-f]{64}\n");
    assertThat(work.resolve("image.tar")).isRegularFile();
  }

  /** The launcher as a user runs it: JAVA names the Java 17, no APKIMG_JAR, a cache of its own. */
  private Processes.Output run(Path work, Path cache, String... command) throws Exception {
    return exec(work, Map.of("JAVA", java17.toString(), "XDG_CACHE_HOME", cache.toString()), command);
  }

  /** Runs {@code command} in {@code dir} with {@code env} added (and APKIMG_JAR removed); 5 minutes at most. */
  private Processes.Output exec(Path dir, Map<String, String> env, String... command) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(command));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    pb.environment().remove("APKIMG_JAR");
    pb.environment().putAll(env);
    Path out = Files.createTempFile(tmp, "out", ".txt");
    Path err = Files.createTempFile(tmp, "err", ".txt");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: " + cmd);
    }
    return new Processes.Output(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  private static Path findJava17() throws IOException {
    if (Runtime.version().feature() == 17) {
      return Path.of(System.getProperty("java.home"), "bin", "java");
    }
    Path jvms = Path.of("/usr/lib/jvm");
    if (!Files.isDirectory(jvms)) {
      return null;
    }
    try (Stream<Path> jdks = Files.list(jvms)) {
      return jdks.sorted().map(j -> j.resolve("bin/java"))
          .filter(j -> Files.isExecutable(j) && j.getParent().getParent().getFileName().toString().contains("17"))
          .findFirst().orElse(null);
    }
  }
}
