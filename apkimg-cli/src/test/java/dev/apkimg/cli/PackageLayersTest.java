package dev.apkimg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.testing.LoopbackHttpServer;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #11: {@code layering: {strategy: packages}} gives one layer per package (its data stream
 * as it is in the .apk) and a top layer, and applying the layers as a container runtime does
 * (later entries win, a non-folder replaces a folder, {@code .wh.NAME} deletes) gives exactly the
 * single-layer root filesystem, where packages and apk disagree: a {@code replaces}, a folder's
 * mode changed by a later package, busybox's links, an install script's group.
 */
class PackageLayersTest {
  private static final byte[] SH = "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8);
  // Incompressible, so these two packages are the largest whatever gzip makes of the others.
  private static final byte[] TOOL_ONE = random(1, 40_000);
  private static final byte[] TOOL_TWO = random(2, 30_000);

  private static byte[] random(long seed, int size) {
    byte[] b = new byte[size];
    new java.util.Random(seed).nextBytes(b);
    return b;
  }
  @TempDir Path tmp;
  private LoopbackHttpServer server;
  private String header;
  private final Map<String, String> datahashes = new LinkedHashMap<>();

  @BeforeEach
  void setUp() throws IOException {
    Path keyFile = TestKeys.primary().writePublicKey(tmp.resolve("keys"));
    List<TestPackage> packages = List.of(
        TestPackage.builder("baselayout", "1-r0").builddate(1_700_000_000L)
            .dir("etc").dir("bin").dir("usr").dir("usr/bin").dir("srv")
            .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
            .file("etc/group", "root:x:0:root\n").build(),
        TestPackage.builder("tool", "1-r0").builddate(1_700_000_100L).depends("baselayout")
            .file("usr/bin/tool", TOOL_ONE, 0755)
            .file("usr/bin/tool-a", "a\n").hardlink("usr/bin/tool-b", "usr/bin/tool-a").build(),
        TestPackage.builder("tool2", "1-r0").builddate(1_700_000_200L).depends("tool").replaces("tool")
            .dir("srv", 0700) // a later package changes a folder's mode: apk keeps the first owner's
            .file("usr/bin/tool", TOOL_TWO, 0755).build(),
        TestPackage.builder("busybox", "1-r0").builddate(1_700_000_300L).depends("baselayout")
            .file("bin/busybox", SH, 0755).file("etc/busybox-paths.d/busybox", "bin/sh\nbin/ls\n").build(),
        TestPackage.builder("docker", "1-r0").builddate(1_700_000_400L).depends("baselayout")
            .file("usr/bin/dockerd", SH, 0755)
            .preInstall("#!/bin/sh\naddgroup -S docker 2>/dev/null\nexit 0\n").build());
    TestRepository repo = new TestRepository(TestKeys.primary());
    packages.forEach(p -> {
      repo.add(p);
      datahashes.put(p.name(), "sha256:" + p.datahash());
    });
    repo.write(tmp.resolve("mirror/main"));
    server = LoopbackHttpServer.serve(tmp.resolve("mirror"));
    header = """
        archs: [x86_64]
        contents:
          repositories: [%smain]
          keyring: [%s]
          packages: [tool2, busybox, docker]
        """.formatted(server.url(), keyFile);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void stackedPackageLayersAndTopLayerGiveTheSingleLayerRootfs() throws IOException {
    Path profile = Files.writeString(tmp.resolve("p.yaml"), header);
    List<byte[]> single = layers(build(profile, "single"));
    assertThat(single).hasSize(1);
    List<byte[]> layered = layers(build(profile, "packages"));
    assertThat(layered).hasSize(6); // five packages and the top layer

    List<String> digests = layered.subList(0, 5).stream().map(TreeSnapshot::sha256).map(h -> "sha256:" + h).toList();
    assertThat(digests).containsExactlyInAnyOrderElementsOf(datahashes.values());

    Map<String, String> expected = apply(single);
    Map<String, String> actual = apply(layered);
    assertThat(actual).isEqualTo(expected);
    // The cases that make the top layer necessary are in the tree compared:
    assertThat(expected.get("usr/bin/tool")).contains("sha=" + TreeSnapshot.sha256(TOOL_TWO));
    assertThat(expected.get("srv")).startsWith("5 0755 ");
    assertThat(expected.get("bin/sh")).startsWith("2 0777 ").endsWith("-> /bin/busybox");
    assertThat(expected.get("etc/group")).doesNotContain("sha=" + TreeSnapshot.sha256( // addgroup changed it
        "root:x:0:root\n".getBytes(StandardCharsets.UTF_8)));
    assertThat(layered.get(5).length).isLessThan(single.get(0).length / 4);
  }

  @Test
  void aBudgetKeepsTheLargestPackagesAndTheRestShareOneLayer() throws IOException {
    Path profile = Files.writeString(tmp.resolve("p.yaml"), header + "layering: {strategy: packages, budget: 2}\n");
    List<byte[]> single = layers(build(profile, "single"));
    List<byte[]> layered = layers(build(profile, null));
    assertThat(layered).hasSize(4); // two package layers, the shared one, the top one
    assertThat(layered.subList(0, 2).stream().map(b -> "sha256:" + TreeSnapshot.sha256(b)).toList())
        .containsExactly(datahashes.get("tool"), datahashes.get("tool2")); // the two largest, in install order
    assertThat(apply(layered)).isEqualTo(apply(single));
    // The small packages' files are in the shared layer, not on top, so the top layer stays small.
    Map<String, String> shared = apply(layered.subList(2, 3));
    assertThat(shared).containsKeys("bin/busybox", "usr/bin/dockerd", "etc/busybox-paths.d/busybox");
    Map<String, String> top = apply(layered.subList(3, 4));
    assertThat(top).doesNotContainKeys("bin/busybox", "usr/bin/dockerd");
  }

  @Test
  void aWarmBuildFromCachedScansGivesTheSameImage() throws IOException {
    Path profile = Files.writeString(tmp.resolve("p.yaml"), header);
    byte[] cold = Files.readAllBytes(build(profile, "packages"));
    // The cache has each package's scan (rootfs.LayerWriterCacheTest shows that they spare reading).
    List<Path> apks;
    try (var s = Files.walk(tmp.resolve("cache"))) {
      apks = s.filter(f -> f.toString().endsWith(".apk")).toList();
    }
    assertThat(apks).hasSize(5);
    Path scans = tmp.resolve("cache").resolve("layers");
    try (var s = Files.list(scans)) {
      assertThat(s.count()).isEqualTo(5);
    }
    Path warm = build(profile, "packages");
    assertThat(Files.readAllBytes(warm)).isEqualTo(cold);
    // A torn scan record is not used: the package is read again, and the image is the same.
    try (var s = Files.list(scans)) {
      for (Path f : s.toList()) {
        byte[] b = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(b, b.length / 2));
      }
    }
    assertThat(Files.readAllBytes(build(profile, "packages"))).isEqualTo(cold);
  }

  @Test
  void theMetadataFileNamesTheTopLayerThatIsInTheImage() throws IOException {
    Path profile = Files.writeString(tmp.resolve("p.yaml"), header);
    Path metadata = tmp.resolve("meta.json");
    Path out = build(profile, "packages", "--metadata-file", metadata.toString());
    List<byte[]> layered = layers(out);
    JsonNode image = new ObjectMapper().readTree(metadata.toFile()).path("images").get(0);
    assertThat(image.path("layerDigest").asText()).isEqualTo("sha256:" + TreeSnapshot.sha256(layered.get(5)));
    assertThat(image.path("compressedSize").asLong()).isGreaterThan(layered.stream().mapToLong(l -> l.length).sum());
  }

  private Path build(Path profile, String layering, String... extra) {
    Path out = tmp.resolve("out-" + layering + ".tar");
    List<String> args = new ArrayList<>(List.of("build", profile.toString(), "-o", out.toString(),
        "--cache-dir", tmp.resolve("cache").toString(), "--tag", "t:1"));
    if (layering != null) {
      args.addAll(List.of("--layering", layering));
    }
    args.addAll(List.of(extra));
    Processes.Output o = Processes.apkimg(args);
    assertThat(o.code()).as(o.err()).isZero();
    return out;
  }

  /** The gzipped layers of an OCI archive, bottom first. */
  private static List<byte[]> layers(Path archive) throws IOException {
    Map<String, byte[]> files = new LinkedHashMap<>();
    try (InputStream in = Files.newInputStream(archive)) {
      TarStream.read(in).forEach(e -> files.put(TreeSnapshot.normalize(e.name()), e.content()));
    }
    ObjectMapper json = new ObjectMapper();
    JsonNode index = json.readTree(files.get("index.json"));
    JsonNode manifest = json.readTree(files.get(blob(index.path("manifests").get(0).path("digest").asText())));
    List<byte[]> layers = new ArrayList<>();
    manifest.path("layers").forEach(l -> layers.add(files.get(blob(l.path("digest").asText()))));
    return layers;
  }

  private static String blob(String digest) {
    return "blobs/" + digest.replace(':', '/');
  }

  /**
   * Applies layers as the OCI image spec says, in a model: path to "TYPE MODE UID:GID MTIME
   * sha=... -> LINK" (hardlinks resolved to their target's content, as extraction shares it).
   */
  private static Map<String, String> apply(List<byte[]> layers) throws IOException {
    TreeMap<String, String> tree = new TreeMap<>();
    for (byte[] layer : layers) {
      for (TarStream.Entry e : TarStream.read(new GZIPInputStream(new ByteArrayInputStream(layer)))) {
        String path = TreeSnapshot.normalize(e.name());
        int slash = path.lastIndexOf('/');
        String base = path.substring(slash + 1);
        if (base.startsWith(".wh.")) {
          String gone = path.substring(0, slash + 1) + base.substring(4);
          tree.remove(gone);
          tree.subMap(gone + "/", gone + "0").clear();
          continue;
        }
        String before = tree.get(path);
        if (before != null && before.startsWith("5 ") && !e.isDirectory()) {
          tree.subMap(path + "/", path + "0").clear();
        }
        String content = e.type() == '1' ? "sha=" + contentOf(tree.get(TreeSnapshot.normalize(e.linkName())))
            : "sha=" + TreeSnapshot.sha256(e.content() == null ? new byte[0] : e.content());
        char type = e.type() == '1' ? '0' : e.type() == '\0' ? '0' : e.type();
        tree.put(path, type + " " + String.format("%04o", e.mode() & 07777) + " " + e.uid() + ":" + e.gid()
            + " " + e.mtime() + " " + content + (e.type() == '2' ? " -> " + e.linkName() : ""));
      }
    }
    return tree;
  }

  private static String contentOf(String node) {
    return node == null ? "missing" : node.substring(node.indexOf("sha=") + 4).split(" ")[0];
  }
}
