package dev.apkimg.cli;

import static dev.apkimg.cli.Processes.exec;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.apk.ApkPackage;
import dev.apkimg.apk.ApkPackageReader;
import dev.apkimg.testing.LoopbackHttpServer;
import dev.apkimg.testing.Prerequisites;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #11, package-addressed layers, on the real 13-package base from ../shared/fixtures:
 * {@code --layering packages} gives one layer per package whose digest is the package's
 * {@code datahash}, and the unpacked image is the single-layer image's root filesystem.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PackageLayersIT {
  @TempDir static Path tmp;

  private Path fixtures;
  private LoopbackHttpServer server;
  private Path profile;
  private Path single;
  private Path layered;

  @BeforeAll
  void buildBoth() throws Exception {
    fixtures = Prerequisites.requireSharedFixtures();
    server = LoopbackHttpServer.serve(fixtures.resolve("mirror"));
    profile = tmp.resolve("base.yaml");
    Files.writeString(profile, """
        contents:
          repositories:
            - %sv3.20/main
          packages: [%s]
        archs: [x86_64]
        """.formatted(server.url(), String.join(", ", BuildEndToEndIT.WORLD)));
    single = build("single", tmp.resolve("cache"));
    long start = System.nanoTime();
    layered = build("packages", tmp.resolve("cache"));
    System.out.printf("PackageLayersIT: warm packages-layered build took %d ms%n", (System.nanoTime() - start) / 1_000_000);
  }

  @AfterAll
  void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void eachPackageLayerIsThePackagesDataStreamByItsDatahash() throws Exception {
    java.util.Set<String> datahashes = new java.util.HashSet<>();
    try (Stream<Path> apks = Files.walk(fixtures.resolve("mirror/v3.20/main/x86_64"))) {
      for (Path apk : apks.filter(p -> p.toString().endsWith(".apk")).toList()) {
        try (InputStream in = Files.newInputStream(apk)) {
          ApkPackage p = ApkPackageReader.read(in, name -> java.util.Optional.empty(), apk.toString(), (e, c) -> { });
          datahashes.add("sha256:" + p.dataHash());
        }
      }
    }
    int packages = BuildEndToEndIT.INSTALLED.size();
    List<String> layers = layerDigests(layered);
    // One layer per package (install order), then the top layer of what the packages do not give.
    assertThat(layers).hasSize(packages + 1);
    assertThat(layers.subList(0, packages)).doesNotHaveDuplicates().allMatch(datahashes::contains);
    assertThat(layerDigests(single)).hasSize(1);
    long topSize = layerSize(layered, layers.get(packages));
    long singleSize = layerSize(single, layerDigests(single).get(0));
    System.out.printf("PackageLayersIT: %d layers; top layer %d bytes, single layer %d bytes%n", layers.size(),
        topSize, singleSize);
    assertThat(topSize).isLessThan(singleSize / 4);
  }

  @Test
  void unpackedLayeredImageEqualsTheSingleLayerImageAndRuns() throws Exception {
    Path ours = unpack(layered);
    Path theirs = unpack(single);
    TreeSnapshot a = TreeSnapshot.of(archive(theirs));
    TreeSnapshot b = TreeSnapshot.of(archive(ours));
    assertThat(b.differencesFrom(a, (path, field, x, y) -> false)).isEmpty();
    assertThat(exec(tmp, "chroot", ours.toString(), "/bin/sh", "-c", "echo ok").assertSuccess().out()).isEqualTo("ok\n");
  }

  private Path build(String layering, Path cache) {
    Path out = tmp.resolve(layering + "/image.tar");
    Processes.apkimg(List.of("build", profile.toString(), "-o", out.toString(), "--layering", layering,
        "-k", fixtures.resolve("keys/apkimg-test.rsa.pub").toString(), "--cache-dir", cache.toString(), "-q"))
        .assertSuccess();
    return out;
  }

  private static List<String> layerDigests(Path archive) throws Exception {
    Prerequisites.requireCommand("skopeo");
    JsonNode inspect = new ObjectMapper().readTree(exec(tmp, "skopeo", "inspect", "oci-archive:" + archive)
        .assertSuccess().out());
    List<String> r = new ArrayList<>();
    inspect.path("Layers").forEach(n -> r.add(n.asText()));
    return r;
  }

  private static long layerSize(Path archive, String digest) throws Exception {
    String blob = "blobs/" + digest.replace(':', '/');
    try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(Files.newInputStream(archive))) {
      for (var e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        if (TreeSnapshot.normalize(e.getName()).equals(blob)) {
          return e.getSize();
        }
      }
    }
    throw new AssertionError("no layer " + digest + " in " + archive);
  }

  private static Path unpack(Path archive) throws Exception {
    Prerequisites.requireRoot();
    Prerequisites.requireCommand("skopeo");
    Prerequisites.requireCommand("umoci");
    Path work = Files.createTempDirectory(tmp, "unpack");
    Path layout = work.resolve("oci");
    Path bundle = work.resolve("bundle");
    exec(tmp, "skopeo", "copy", "-q", "oci-archive:" + archive, "oci:" + layout + ":latest").assertSuccess();
    exec(tmp, "umoci", "unpack", "--image", layout + ":latest", bundle.toString()).assertSuccess();
    return bundle.resolve("rootfs");
  }

  private static List<TarStream.Entry> archive(Path root) throws Exception {
    Path tar = Files.createTempFile(tmp, "tree", ".tar");
    exec(tmp, "tar", "--xattrs", "--xattrs-include=*", "--numeric-owner", "--format=posix", "-C", root.toString(),
        "-cf", tar.toString(), ".").assertSuccess();
    try (InputStream in = Files.newInputStream(tar)) {
      return TarStream.read(in);
    }
  }
}
