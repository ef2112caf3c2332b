package dev.apkimg.cli.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestRepository;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #9, outputs: a failed push is one line, quickly, and leaves no archive or metadata; output
 * files never follow a planted symlink, never replace the profile or a device; {@code -o -}.
 */
class HostileOutputsTest {
  @TempDir Path tmp;

  @Test
  void pushToAClosedPortFailsFastInOneLineAndLeavesNoOutputs() throws Exception {
    try (HostileBuild b = new HostileBuild(tmp.resolve("build"))) {
      String url = b.serve(new TestRepository(TestKeys.primary()).add(HostileBuild.pkg("busybox")));
      Path profile = b.profile(url, "busybox");
      String registry = "127.0.0.1:" + closedPort();
      ChildApkimg child = new ChildApkimg(Files.createDirectories(tmp.resolve("child")));
      for (boolean insecure : new boolean[] {true, false}) {
        ChildApkimg.Result r = child.run(Stream.of("build", profile.toString(), "-o", b.image().toString(),
            "--cache-dir", b.cache().toString(), "-q", "-k", b.keyFile().toString(),
            "--metadata-file", b.out().resolve("meta.json").toString(),
            "--digest-file", b.out().resolve("digest").toString(),
            "--push", registry + "/test/busybox:1", insecure ? "--allow-insecure-registry" : "--no-lockfile")
            .toArray(String[]::new));
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).as(r.toString()).isEmpty();
        assertThat(r.err().lines().toList()).as(r.toString()).hasSize(1);
        assertThat(r.err()).as(r.toString()).startsWith("apkimg: error: ").contains(registry).contains("nothing answers at " + registry)
            .doesNotContain("\u001b[").doesNotContain("SEVERE").doesNotContain("Exception");
        assertThat(r.waitedMillis()).as("a closed port fails fast; " + r).isLessThan(20_000);
        assertThat(list(b.out())).as("no archive, metadata or digest file after a failed push").isEmpty();
        assertThat(list(child.tmpDir())).as("no work folder in the temp dir").isEmpty();
      }
    }
  }

  @Test
  void pushToAPlainHttpRegistryWithoutTheInsecureFlagFailsFastInOneLine() throws Exception {
    try (HostileBuild b = new HostileBuild(tmp.resolve("build"))) {
      String url = b.serve(new TestRepository(TestKeys.primary()).add(HostileBuild.pkg("busybox")));
      Path profile = b.profile(url, "busybox");
      // Any plain HTTP server will do: the TLS handshake is what fails.
      String registry = java.net.URI.create(url).getAuthority();
      ChildApkimg child = new ChildApkimg(Files.createDirectories(tmp.resolve("child")));
      ChildApkimg.Result r = child.run("build", profile.toString(), "-o", b.image().toString(),
          "--cache-dir", b.cache().toString(), "-q", "-k", b.keyFile().toString(), "--push", registry + "/test/busybox:1");
      assertThat(r.code()).as(r.toString()).isEqualTo(1);
      assertThat(r.err().lines().toList()).as(r.toString()).hasSize(1);
      assertThat(r.err()).startsWith("apkimg: error: cannot push to " + registry + "/test/busybox:1: ")
          .contains("--allow-insecure-registry").doesNotContain("SEVERE");
      assertThat(r.waitedMillis()).as("fails fast; " + r).isLessThan(20_000);
      assertThat(list(b.out())).isEmpty();
    }
  }

  @Test
  void outputNamingTheProfileIsRefusedAndTheProfileKept() throws Exception {
    try (HostileBuild b = new HostileBuild(tmp)) {
      String url = b.serve(new TestRepository(TestKeys.primary()).add(HostileBuild.pkg("busybox")));
      Path profile = b.profile(url, "busybox");
      String yaml = Files.readString(profile);
      b.assertRefused(b.run("build", profile.toString(), "-o", profile.toString(), "--cache-dir", b.cache().toString(),
          "-q", "-k", b.keyFile().toString())).contains("-o " + profile).contains("which this command reads");
      b.assertRefused(b.build(profile, "--metadata-file", profile.toString())).contains("--metadata-file " + profile);
      b.assertRefused(b.run("lock", profile.toString(), "-o", profile.toString(), "--cache-dir", b.cache().toString(),
          "-q", "-k", b.keyFile().toString())).contains(profile.toString());
      assertThat(Files.readString(profile)).isEqualTo(yaml);
      b.assertGoodBuildSucceeds(profile);
    }
  }

  @Test
  void outputThatIsADeviceADirectoryOrAFifoIsRefusedAndLeftAsItIs() throws Exception {
    try (HostileBuild b = new HostileBuild(tmp)) {
      String url = b.serve(new TestRepository(TestKeys.primary()).add(HostileBuild.pkg("busybox")));
      Path profile = b.profile(url, "busybox");
      // A link to /dev/null stands for the device: a broken build (run as root) would replace the
      // machine's /dev/null itself, this only replaces the link.
      Path device = Files.createSymbolicLink(b.root().resolve("a-device"), Path.of("/dev/null"));
      Path dir = Files.createDirectories(b.root().resolve("a-directory"));
      Path fifo = b.root().resolve("a-fifo");
      assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
      for (Path target : List.of(device, dir, fifo)) {
        for (String option : List.of("-o", "--metadata-file", "--digest-file")) {
          List<String> args = new ArrayList<>(List.of("build", profile.toString(), "--cache-dir", b.cache().toString(),
              "-q", "-k", b.keyFile().toString()));
          args.addAll(option.equals("-o") ? List.of("-o", target.toString())
              : List.of("-o", b.image().toString(), option, target.toString()));
          b.assertRefused(b.run(args.toArray(String[]::new))).contains(option + " " + target).contains("not a regular file");
        }
      }
      assertThat(Files.isSymbolicLink(device)).as("the link to the device is kept").isTrue();
      assertThat(dir).isEmptyDirectory();
      assertThat(Files.isRegularFile(fifo)).isFalse();
      assertThat(Files.exists(fifo)).isTrue();
      b.assertGoodBuildSucceeds(profile);
    }
  }

  @Test
  void symlinksPlantedAtTheOldTemporaryNamesAreNotFollowed() throws Exception {
    try (HostileBuild b = new HostileBuild(tmp)) {
      String url = b.serve(new TestRepository(TestKeys.primary()).add(HostileBuild.pkg("busybox")));
      Path profile = b.profile(url, "busybox");
      Path victim = Files.writeString(b.root().resolve("victim"), "precious\n");
      Path meta = b.out().resolve("meta.json");
      Path digest = b.out().resolve("digest");
      // Where apkimg used to stage these files: a predictable name beside the target.
      Files.createSymbolicLink(b.out().resolve(".meta.json.tmp"), victim);
      Files.createSymbolicLink(b.out().resolve(".digest.tmp"), victim);
      HostileBuild.Result r = b.build(profile, "--metadata-file", meta.toString(), "--digest-file", digest.toString());
      assertThat(r.code()).as(r.toString()).isZero();
      assertThat(Files.readString(victim)).as("the file a planted symlink points to").isEqualTo("precious\n");
      assertThat(Files.isSymbolicLink(meta)).isFalse();
      assertThat(Files.readString(meta)).contains("\"digest\"");
      assertThat(Files.readString(digest)).isEqualTo(r.out());
      try (Stream<Path> s = Files.list(b.out())) {
        assertThat(s.map(p -> p.getFileName().toString()).sorted().toList())
            .containsExactly(".digest.tmp", ".meta.json.tmp", "digest", "image.tar", "meta.json");
      }
    }
  }

  @Test
  void aFailedOutputLeavesNoArchiveNoMetadataAndNoTemporaryFile() throws Exception {
    try (HostileBuild b = new HostileBuild(tmp)) {
      String url = b.serve(new TestRepository(TestKeys.primary()).add(HostileBuild.pkg("busybox")));
      Path profile = b.profile(url, "busybox");
      Path blocker = Files.writeString(b.root().resolve("blocker"), "a file, not a folder\n");
      // The digest file cannot be written (its folder is a file): the archive and the metadata,
      // written before it, must not stay.
      b.assertRefused(b.build(profile, "--metadata-file", b.out().resolve("meta.json").toString(),
          "--digest-file", blocker.resolve("digest").toString())).contains(blocker.resolve("digest").toString());
      b.assertGoodBuildSucceeds(profile);
    }
  }

  @Test
  void dashOutputWritesTheArchiveToStdoutAndNothingElseThere() throws Exception {
    try (HostileBuild b = new HostileBuild(tmp.resolve("build"))) {
      String url = b.serve(new TestRepository(TestKeys.primary()).add(HostileBuild.pkg("busybox")));
      Path profile = b.profile(url, "busybox");
      ChildApkimg child = new ChildApkimg(Files.createDirectories(tmp.resolve("child")));
      Path digest = b.out().resolve("digest");
      Path meta = b.out().resolve("meta.json");
      ChildApkimg.Started started = child.start("build", profile.toString(), "-o", "-", "--cache-dir",
          b.cache().toString(), "-k", b.keyFile().toString(), "--digest-file", digest.toString(),
          "--metadata-file", meta.toString());
      Path stdout = started.out();
      byte[] archive;
      assertThat(started.process().waitFor(180, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      archive = Files.readAllBytes(stdout);
      ChildApkimg.Result r = started.waitFor(1);
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.err()).as("progress stays on stderr").contains("wrote standard output");
      // The same build to a file gives the same bytes.
      HostileBuild.Result again = b.build(profile);
      assertThat(again.code()).as(again.toString()).isZero();
      assertThat(archive).isEqualTo(Files.readAllBytes(b.image()));
      assertThat(Files.readString(digest)).isEqualTo(again.out());
      assertThat(Files.readString(meta)).contains("\"archive\" : \"-\"");
      assertThat(list(child.tmpDir())).as("no temporary archive left").isEmpty();
    }
  }

  static int closedPort() throws IOException {
    // A port that was just free: nothing listens there once the socket is closed.
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  static List<String> list(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
