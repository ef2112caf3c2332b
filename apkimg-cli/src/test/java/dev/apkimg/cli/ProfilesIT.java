package dev.apkimg.cli;

import static dev.apkimg.cli.Processes.exec;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.testing.LoopbackHttpServer;
import dev.apkimg.testing.Prerequisites;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** profiles/alpine-base.yaml builds against the fixture mirror, as an air-gapped user would (-r, -k). */
class ProfilesIT {
  @TempDir Path tmp;

  @Test
  void alpineBaseBuildsFromAMirrorWithItsKey() throws Exception {
    Path fixtures = Prerequisites.requireSharedFixtures();
    Path image = tmp.resolve("out/alpine-base.tar");
    Path cache = tmp.resolve("cache");
    try (LoopbackHttpServer server = LoopbackHttpServer.serve(fixtures.resolve("mirror"))) {
      Processes.Output r = Processes.apkimg(List.of("build", ProfilesTest.PROFILES.resolve("alpine-base.yaml").toString(),
          "-o", image.toString(), "-r", server.url() + "v3.20/main",
          "-k", fixtures.resolve("keys/apkimg-test.rsa.pub").toString(), "--cache-dir", cache.toString()));
      r.assertSuccess();
      assertThat(server.requestedPaths()).allMatch(p -> p.startsWith("/v3.20/main/x86_64/"));
    }
    // The index is signed by the -k key, so none of the profile's https key URLs was fetched (they would be cached here).
    assertThat(cache.resolve("keys")).doesNotExist();

    Prerequisites.requireCommand("skopeo");
    JsonNode inspect = new ObjectMapper().readTree(
        exec(tmp, "skopeo", "inspect", "oci-archive:" + image).assertSuccess().out());
    assertThat(inspect.path("Architecture").asText()).isEqualTo("amd64");
    assertThat(inspect.path("Layers")).hasSize(1);

    assertThat(installedPackages(image)).containsAll(List.of("alpine-baselayout", "alpine-keys", "apk-tools",
        "busybox", "musl-utils", "ca-certificates-bundle", "ssl_client"));
  }

  /**
   * Issue 12 item 5: alpine-base.yaml gives the files of Alpine's own minirootfs (3.20.3, the
   * fixture), release files included, so scanners know the distribution; only what apk-tools
   * itself adds differs, each named below.
   */
  @Test
  void alpineBaseHasTheMinirootfsFilesAndItsSbomNamesTheDistribution() throws Exception {
    Path fixtures = Prerequisites.requireSharedFixtures();
    Path image = tmp.resolve("out/alpine-base.tar");
    Path sboms = tmp.resolve("sbom");
    Processes.Output r = Processes.apkimg(List.of("build", ProfilesTest.PROFILES.resolve("alpine-base.yaml").toString(),
        "-o", image.toString(), "-r", fixtures.resolve("mirror/v3.20/main").toString(),
        "-k", fixtures.resolve("keys/apkimg-test.rsa.pub").toString(), "--cache-dir", tmp.resolve("cache").toString(),
        "--sbom-dir", sboms.toString()));
    r.assertSuccess();
    assertThat(r.err()).as("no warning about a missing os-release").doesNotContain("os-release");

    Map<String, byte[]> ours = layerFiles(image);
    Map<String, byte[]> mini = new java.util.TreeMap<>();
    java.util.Set<String> miniPaths = new java.util.TreeSet<>();
    try (TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(Files.newInputStream(
             fixtures.resolve("minirootfs/alpine-minirootfs-3.20.3-x86_64.tar.gz"))))) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        String name = e.getName().replaceFirst("^\\./", "").replaceFirst("/$", "");
        if (!name.isEmpty() && !name.equals(".")) {
          miniPaths.add(name);
          if (e.isFile()) {
            mini.put(name, tar.readAllBytes());
          }
        }
      }
    }
    // What apk-tools adds and the minirootfs lacks (LayeredImageOracleIT shows apk-tools' own tree
    // has them): device nodes apk creates in a new root, busybox adduser's backup files from the
    // install scripts, and the mirror's key given with -k.
    java.util.function.Predicate<String> apkOnly = p -> p.startsWith("dev/")
        || p.matches("etc/(group|passwd|shadow)-") || p.equals("etc/apk/keys/apkimg-test.rsa.pub");
    java.util.Set<String> ourPaths = new java.util.TreeSet<>(ours.keySet());
    ourPaths.removeIf(apkOnly);
    assertThat(ourPaths).as("paths of the image vs the minirootfs").isEqualTo(miniPaths);
    for (String release : List.of("etc/os-release", "etc/alpine-release", "etc/issue", "etc/secfixes.d/alpine")) {
      assertThat(ours.get(release)).as(release).isEqualTo(mini.get(release));
    }

    JsonNode cdx = new ObjectMapper().readTree(sboms.resolve("x86_64.cdx.json").toFile());
    JsonNode os = cdx.path("components").get(0);
    assertThat(os.path("type").asText()).isEqualTo("operating-system");
    assertThat(os.path("name").asText() + " " + os.path("version").asText()).isEqualTo("alpine 3.20.3");
    assertThat(cdx.path("components").get(1).path("purl").asText()).startsWith("pkg:apk/alpine/")
        .endsWith("&distro=alpine-3.20");
  }

  /** Every path of the image's only layer (directories too), with the bytes of its regular files. */
  static Map<String, byte[]> layerFiles(Path archive) throws IOException {
    Map<String, byte[]> files = new HashMap<>();
    try (TarArchiveInputStream tar = new TarArchiveInputStream(Files.newInputStream(archive))) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        if (e.isFile()) {
          files.put(e.getName().replaceFirst("^\\./", ""), tar.readAllBytes());
        }
      }
    }
    ObjectMapper json = new ObjectMapper();
    JsonNode index = json.readTree(files.get("index.json"));
    JsonNode manifest = json.readTree(blob(files, index.path("manifests").get(0).path("digest").asText()));
    byte[] layer = blob(files, manifest.path("layers").get(0).path("digest").asText());
    Map<String, byte[]> out = new java.util.TreeMap<>();
    try (TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(new java.io.ByteArrayInputStream(layer)))) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        String name = e.getName().replaceFirst("^\\./", "").replaceFirst("/$", "");
        out.put(name, e.isFile() ? tar.readAllBytes() : new byte[0]);
      }
    }
    return out;
  }

  /** The P: lines of lib/apk/db/installed in the image's only layer, read from the OCI archive. */
  static List<String> installedPackages(Path archive) throws IOException {
    Map<String, byte[]> files = new HashMap<>();
    try (TarArchiveInputStream tar = new TarArchiveInputStream(Files.newInputStream(archive))) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        if (e.isFile()) {
          files.put(e.getName().replaceFirst("^\\./", ""), tar.readAllBytes());
        }
      }
    }
    ObjectMapper json = new ObjectMapper();
    JsonNode index = json.readTree(files.get("index.json"));
    JsonNode manifest = json.readTree(blob(files, index.path("manifests").get(0).path("digest").asText()));
    byte[] layer = blob(files, manifest.path("layers").get(0).path("digest").asText());
    try (TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(new java.io.ByteArrayInputStream(layer)))) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        if (e.getName().replaceFirst("^\\./", "").equals("lib/apk/db/installed")) {
          return new String(tar.readAllBytes(), StandardCharsets.UTF_8).lines()
              .filter(l -> l.startsWith("P:")).map(l -> l.substring(2)).toList();
        }
      }
    }
    throw new AssertionError("no lib/apk/db/installed in the layer of " + archive);
  }

  private static byte[] blob(Map<String, byte[]> files, String digest) {
    byte[] b = files.get("blobs/" + digest.replace(':', '/'));
    assertThat(b).as("blob " + digest).isNotNull();
    return b;
  }
}
