package dev.apkimg.cli;

import static dev.apkimg.cli.Processes.exec;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.testing.LoopbackHttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #4, fidelity acceptance: for the 14 packages of ../shared's v3.20 mirror, each alone and
 * all together, the image's layer must be the tree that the real apk-tools installs
 * (../shared/tools/apk-oracle), field by field, outside the {@link ApkOracle#EXEMPTIONS
 * documented exceptions}. Then, in the image itself (chroot), apk must find its database consistent and be
 * able to add a package on top of it.
 *
 * <p>Both sides are compared as tar streams with a byte-exact reader ({@link TarStream}): our layer
 * as written, apk's tree as GNU tar archives it ({@link ApkOracle}), so owners, modes, device
 * numbers, hardlinks and every xattr namespace are read exactly, with no extraction in between
 * that could lose or add anything.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RootfsOracleIT {
  static final List<String> PACKAGES = List.of("alpine-baselayout", "alpine-baselayout-data", "alpine-keys",
      "apk-tools", "busybox", "busybox-binsh", "ca-certificates-bundle", "libcrypto3", "libssl3", "musl",
      "musl-utils", "scanelf", "ssl_client", "zlib");

  @TempDir static Path tmp;

  private ApkOracle oracle;
  private Path keyFile;
  private LoopbackHttpServer server;

  @BeforeAll
  void setUp() throws IOException {
    oracle = ApkOracle.create(tmp);
    keyFile = oracle.mirrorKey();
    server = LoopbackHttpServer.serve(oracle.fixtures().resolve("mirror"));
  }

  @AfterAll
  void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  @TestFactory
  Stream<DynamicTest> rootfsEqualsApkOracles() {
    List<List<String>> worlds = new ArrayList<>();
    PACKAGES.forEach(p -> worlds.add(List.of(p)));
    worlds.add(PACKAGES);
    return worlds.stream().map(world -> DynamicTest.dynamicTest(
        world.size() == 1 ? world.get(0) : "all " + world.size() + " packages", () -> assertSameAsApk(world)));
  }

  private void assertSameAsApk(List<String> world) throws Exception {
    Path work = Files.createTempDirectory(tmp, String.join("+", world.subList(0, 1)));
    TreeSnapshot ours = TreeSnapshot.of(TarStream.read(new GZIPInputStream(
        new ByteArrayInputStream(layerOf(build(world, work))))));

    TreeSnapshot apk = oracle.install(world, work);

    List<String> differences = ApkOracle.differences(
        "RootfsOracleIT " + (world.size() == 1 ? world.get(0) : "all"), apk, ours, List.of());
    assertThat(differences)
        .withFailMessage(() -> differences.size() + " difference(s) between apk-tools' rootfs and apkimg's for "
            + world + " (path: field apk=... ours=...):\n  " + String.join("\n  ", differences))
        .isEmpty();
  }

  /** Builds {@code world} with apkimg from the served mirror; returns the OCI archive. */
  private Path build(List<String> world, Path work) throws IOException {
    Path profile = work.resolve("image.yaml");
    Files.writeString(profile, """
        contents:
          repositories:
            - %sv3.20/main
          packages: [%s]
        archs: [x86_64]
        """.formatted(server.url(), String.join(", ", world)));
    Path out = work.resolve("image.tar");
    Processes.apkimg(List.of("build", profile.toString(), "-o", out.toString(), "-k", keyFile.toString(),
        "--cache-dir", tmp.resolve("cache").toString(), "-q")).assertSuccess();
    return out;
  }

  /** The gzipped bytes of the image's one layer: index.json -> manifest -> layers[0]. */
  static byte[] layerOf(Path ociArchive) throws IOException {
    Map<String, byte[]> files = new LinkedHashMap<>();
    try (InputStream in = Files.newInputStream(ociArchive)) {
      TarStream.read(in).forEach(e -> files.put(TreeSnapshot.normalize(e.name()), e.content()));
    }
    ObjectMapper json = new ObjectMapper();
    JsonNode manifests = json.readTree(files.get("index.json")).path("manifests");
    assertThat(manifests).as("manifests in index.json").hasSize(1);
    JsonNode layers = json.readTree(blob(files, manifests.get(0).path("digest").asText())).path("layers");
    assertThat(layers).as("layers in the manifest").hasSize(1);
    return blob(files, layers.get(0).path("digest").asText());
  }

  private static byte[] blob(Map<String, byte[]> files, String digest) {
    byte[] b = files.get("blobs/" + digest.replace(':', '/'));
    assertThat(b).as("blob " + digest + " in the archive").isNotNull();
    return b;
  }

  /** Extracts our layer as root with GNU tar, as a container runtime would; returns the rootfs. */
  private static Path extract(byte[] layer, Path work) throws Exception {
    Path gz = work.resolve("layer.tar.gz");
    Files.write(gz, layer);
    Path rootfs = Files.createDirectories(work.resolve("rootfs"));
    exec(work, "tar", "--xattrs", "--xattrs-include=*", "--numeric-owner", "-xpzf", gz.toString(),
        "-C", rootfs.toString()).assertSuccess();
    return rootfs;
  }

  private static void assertAuditClean(Path rootfs, Path work) throws Exception {
    Processes.Output audit = exec(work, "chroot", rootfs.toString(), "/sbin/apk", "audit", "--system")
        .assertSuccess();
    assertThat(audit.out()).as("apk audit --system stdout (files apk finds changed or missing)").isEmpty();
    // etc/apk/repositories names the test server, whose index apk never cached: a network remark, not a file.
    assertThat(audit.err().lines()).as("apk audit stderr").allMatch(l -> l.startsWith("WARNING: opening from cache"));
  }

  @Test
  void apkAuditFindsNothingInTheImageOfAll14() throws Exception {
    Path work = Files.createTempDirectory(tmp, "audit");
    Path rootfs = extract(layerOf(build(PACKAGES, work)), work);
    assertAuditClean(rootfs, work);
  }

  @Test
  void apkAddWorksOnTopOfOurDatabase() throws Exception {
    Path work = Files.createTempDirectory(tmp, "add");
    // apk-tools already pulls zlib, libssl3 and libcrypto3; musl-utils is new and brings scanelf.
    Path rootfs = extract(layerOf(build(List.of("alpine-baselayout", "busybox", "apk-tools"), work)), work);
    // The chroot shares the host's network namespace, so the test server on 127.0.0.1 is reachable.
    Processes.Output add = exec(work, "chroot", rootfs.toString(), "/sbin/apk", "add", "--no-cache",
        "--repositories-file", "/dev/null", "-X", server.url() + "v3.20/main", "musl-utils");
    add.assertSuccess();
    assertThat(add.err()).as("apk add stderr").doesNotContain("ERROR");

    List<String> installed = exec(work, "chroot", rootfs.toString(), "/sbin/apk", "info").assertSuccess().out()
        .lines().collect(Collectors.toList());
    assertThat(installed).contains("musl-utils", "scanelf", "alpine-baselayout", "busybox", "apk-tools");
    assertThat(Files.readString(rootfs.resolve("etc/apk/world")).split("\\s+"))
        .containsExactly("alpine-baselayout", "apk-tools", "busybox", "musl-utils");
    assertAuditClean(rootfs, work);
  }
}
