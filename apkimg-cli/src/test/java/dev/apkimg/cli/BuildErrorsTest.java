package dev.apkimg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.testing.LoopbackHttpServer;
import dev.apkimg.testing.TestKey;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #2's error cases, through {@link Main#run}: exit code 1, exactly one line on stderr that
 * names the facts, no stack trace, and nothing left in the output folder.
 */
class BuildErrorsTest {
  @TempDir Path tmp;

  private Path outDir;
  private Path cache;
  private Path keyFile;
  private final List<LoopbackHttpServer> servers = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    outDir = Files.createDirectories(tmp.resolve("out"));
    cache = tmp.resolve("cache");
    keyFile = TestKeys.primary().writePublicKey(tmp.resolve("keys"));
  }

  @AfterEach
  void stopServers() {
    servers.forEach(LoopbackHttpServer::close);
  }

  @Test
  void missingProfileNamesTheFile() {
    Path profile = tmp.resolve("no-such-profile.yaml");
    Result r = build(profile);
    r.assertOneLineError().contains(profile.toString()).contains("does not exist");
  }

  @Test
  void yamlSyntaxErrorGivesFileLineColumn() throws IOException {
    // Line 4 opens a flow sequence that is never closed; the parser notices on line 5.
    Path profile = writeProfile("""
        contents:
          repositories:
            - http://127.0.0.1:1/repo
          packages: [busybox
        archs: [x86_64]
        """);
    Result r = build(profile);
    r.assertOneLineError().containsPattern(java.util.regex.Pattern.quote(profile.toString()) + ":5:\\d+: ")
        .contains("YAML syntax error");
  }

  @Test
  void yamlTabIndentGivesTheLineOfTheTab() throws IOException {
    Path profile = writeProfile("contents:\n  packages: [busybox]\n\tarchs: [x86_64]\n");
    Result r = build(profile);
    r.assertOneLineError().contains(profile + ":3:1: ").contains("YAML syntax error").contains("TAB");
  }

  @Test
  void unknownKeyNamesKeyAndPosition() throws IOException {
    Path profile = writeProfile("""
        contents:
          repositories:
            - http://127.0.0.1:1/repo
          packages: [busybox]
        archs: [x86_64]
        entrypont:
          command: /bin/sh
        """);
    Result r = build(profile);
    r.assertOneLineError().contains(profile + ":6:1: ").contains("unknown key 'entrypont'");
  }

  @Test
  void nestedUnknownKeyNamesItsPath() throws IOException {
    Path profile = writeProfile("""
        contents:
          repositories:
            - http://127.0.0.1:1/repo
          keyrng: [a.rsa.pub]
          packages: [busybox]
        """);
    Result r = build(profile);
    r.assertOneLineError().contains(profile + ":4:3: ").contains("unknown key 'keyrng' at contents.keyrng");
  }

  @Test
  void packageNotFoundNamesThePackage() throws IOException {
    String url = serve(new TestRepository(TestKeys.primary()).add(pkg("busybox")));
    Path profile = profile(url, "busybox", "no-such-package");
    Result r = build(profile, "-k", keyFile.toString());
    r.assertOneLineError().contains("'no-such-package'").contains("no such package").contains("required by: world");
  }

  @Test
  void unreachableMirrorNamesTheUrl() throws IOException {
    int port;
    // A port that was just free: nothing listens there once the socket is closed.
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    String url = "http://127.0.0.1:" + port + "/alpine/main";
    Result r = build(profile(url, "busybox"), "-k", keyFile.toString());
    r.assertOneLineError().contains(url + "/x86_64/APKINDEX.tar.gz");
  }

  @Test
  void indexSignedByUnknownKeyNamesIndexAndKey() throws IOException {
    TestKey stranger = TestKeys.secondary();
    String url = serve(new TestRepository(TestKeys.primary()).add(pkg("busybox")).indexSignedBy(stranger));
    Result r = build(profile(url, "busybox"), "-k", keyFile.toString());
    r.assertOneLineError().contains(url + "/x86_64/APKINDEX.tar.gz").contains(stranger.name());
  }

  @Test
  void corruptIndexSignatureNamesTheFile() throws IOException {
    String url = serve(new TestRepository(TestKeys.primary()).add(pkg("busybox"))
        .indexSignature(TestRepository.IndexSignature.CORRUPT));
    Result r = build(profile(url, "busybox"), "-k", keyFile.toString());
    r.assertOneLineError().contains(url + "/x86_64/APKINDEX.tar.gz").contains("corrupt");
  }

  @Test
  void tamperedPackageNamesThePackage() throws IOException {
    String url = serve(new TestRepository(TestKeys.primary()).add(pkg("busybox"), pkg("zlib"))
        .tamper("zlib", TestRepository.Tamper.DATA));
    Result r = build(profile(url, "busybox", "zlib"), "-k", keyFile.toString());
    r.assertOneLineError().contains("zlib-1.0-r0");
  }

  @Test
  void tamperedControlNamesThePackage() throws IOException {
    String url = serve(new TestRepository(TestKeys.primary()).add(pkg("busybox"), pkg("zlib"))
        .tamper("zlib", TestRepository.Tamper.CONTROL));
    Result r = build(profile(url, "busybox", "zlib"), "-k", keyFile.toString());
    r.assertOneLineError().contains("zlib-1.0-r0");
  }

  @Test
  void withoutQuietTheErrorIsStillOneLineAfterTheProgress() throws IOException {
    String url = serve(new TestRepository(TestKeys.primary()).add(pkg("busybox"), pkg("zlib"))
        .tamper("zlib", TestRepository.Tamper.DATA));
    Result r = run("build", profile(url, "busybox", "zlib").toString(), "-o", outDir.resolve("image.tar").toString(),
        "--cache-dir", cache.toString(), "-k", keyFile.toString());
    assertThat(r.code).isEqualTo(1);
    assertThat(r.errLines()).filteredOn(l -> l.startsWith("apkimg: ")).singleElement().asString()
        .startsWith("apkimg: error: ").contains("zlib-1.0-r0");
    assertThat(r.errLines()).last().asString().startsWith("apkimg: error: ");
    assertThat(r.err).doesNotContain("\tat ").doesNotContain("Exception");
    assertThat(listDir(outDir)).isEmpty();
  }

  @Test
  void unsignedIndexIsRefusedWithoutAllowUntrusted() throws IOException {
    String url = serve(new TestRepository(TestKeys.primary()).add(pkg("busybox"))
        .indexSignature(TestRepository.IndexSignature.UNSIGNED));
    Result r = build(profile(url, "busybox"), "-k", keyFile.toString());
    r.assertOneLineError().contains(url + "/x86_64/APKINDEX.tar.gz").contains("--allow-untrusted");
  }

  @Test
  void unsignedIndexIsAcceptedWithAllowUntrustedAndWarned() throws IOException {
    String url = serve(new TestRepository(TestKeys.primary()).add(pkg("busybox"))
        .indexSignature(TestRepository.IndexSignature.UNSIGNED));
    Path out = outDir.resolve("image.tar");
    Result r = run("build", profile(url, "busybox").toString(), "-o", out.toString(), "--cache-dir",
        cache.toString(), "-k", keyFile.toString(), "--allow-untrusted");
    assertThat(r.code).as(r.toString()).isZero();
    assertThat(r.out.strip()).matches("sha256:[0-9a-f]{64}");
    assertThat(r.errLines()).map(l -> l.replaceFirst("^\\[ *\\d+\\.\\d\\ds\\] ", ""))
        .filteredOn(l -> l.startsWith("apkimg: warning: ") && !l.contains("os-release"))
        .singleElement().asString().contains(url + "/x86_64/APKINDEX.tar.gz");
    assertThat(r.err).doesNotContain("error");
    assertThat(listDir(outDir)).containsExactly("image.tar");
  }

  @Test
  void outputArchiveGetsTheUsualPermissionsOfANewFile() throws IOException {
    String url = serve(new TestRepository(TestKeys.primary()).add(pkg("busybox")));
    Path out = outDir.resolve("image.tar");
    Result r = run("build", profile(url, "busybox").toString(), "-o", out.toString(), "--cache-dir",
        cache.toString(), "-k", keyFile.toString(), "-q");
    assertThat(r.code).as(r.toString()).isZero();
    // The umask decides, as for any file a tool writes: others must be able to read the image if it allows.
    Path probe = Files.createFile(tmp.resolve("probe"));
    assertThat(Files.getPosixFilePermissions(out)).isEqualTo(Files.getPosixFilePermissions(probe));
  }

  @Test
  void verbosePrintsTheStackTraceOfAnError() {
    Path profile = tmp.resolve("missing.yaml");
    Result r = run("build", profile.toString(), "-o", outDir.resolve("x.tar").toString(), "--verbose");
    assertThat(r.code).isEqualTo(1);
    assertThat(r.errLines().get(0)).startsWith("apkimg: error: ").contains(profile.toString());
    assertThat(r.err).contains("\tat ").contains("ProfileException");
  }

  @Test
  void helpAndVersionExitZero() {
    Result help = run("--help");
    assertThat(help.code).isZero();
    assertThat(help.out).contains("Usage: apkimg").contains("build");
    Result buildHelp = run("build", "--help");
    assertThat(buildHelp.code).isZero();
    assertThat(buildHelp.out).contains("--allow-untrusted");
    Result version = run("--version");
    assertThat(version.code).isZero();
    assertThat(version.out).startsWith("apkimg ");
  }

  // --- helpers

  private static TestPackage pkg(String name) {
    return TestPackage.builder(name, "1.0-r0").arch("x86_64")
        .dir("usr").dir("usr/share").file("usr/share/" + name + ".txt", name + " content\n").build();
  }

  private String serve(TestRepository repo) throws IOException {
    Path root = Files.createTempDirectory(tmp, "mirror");
    repo.write(root.resolve("alpine/main"));
    LoopbackHttpServer server = LoopbackHttpServer.serve(root);
    servers.add(server);
    return server.url() + "alpine/main";
  }

  private Path profile(String url, String... packages) throws IOException {
    return writeProfile("contents:\n  repositories:\n    - " + url + "\n  packages: [" + String.join(", ", packages)
        + "]\narchs: [x86_64]\n");
  }

  private Path writeProfile(String yaml) throws IOException {
    Path p = Files.createTempFile(tmp, "profile", ".yaml");
    Files.writeString(p, yaml);
    return p;
  }

  private Result build(Path profile, String... extra) {
    // -q: progress lines ("resolved ...") would precede a late error; the error itself must be one line.
    List<String> args = new ArrayList<>(List.of("build", profile.toString(), "-o", outDir.resolve("image.tar").toString(),
        "--cache-dir", cache.toString(), "-q"));
    args.addAll(List.of(extra));
    Result r = run(args.toArray(String[]::new));
    // A failed build leaves nothing behind: no image, no half-written or temporary file.
    assertThat(listDir(outDir)).as("files left in the output folder; " + r).isEmpty();
    return r;
  }

  private static List<String> listDir(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }

  record Result(int code, String out, String err) {
    List<String> errLines() {
      return err.lines().toList();
    }

    /** Exit 1, stdout empty, stderr one {@code apkimg: error: } line and no trace; returns that line. */
    org.assertj.core.api.AbstractStringAssert<?> assertOneLineError() {
      assertThat(code).as(toString()).isEqualTo(1);
      assertThat(out).as("stdout").isEmpty();
      assertThat(errLines()).as("stderr").hasSize(1);
      assertThat(err).as("stderr").startsWith("apkimg: error: ").doesNotContain("\tat ").doesNotContain("Exception");
      return assertThat(errLines().get(0));
    }

    @Override
    public String toString() {
      return "exit " + code + ", stdout [" + out + "], stderr [" + err + "]";
    }
  }
}
