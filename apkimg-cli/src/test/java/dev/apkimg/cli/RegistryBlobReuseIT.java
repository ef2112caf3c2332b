package dev.apkimg.cli;

import static dev.apkimg.cli.Processes.exec;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.apk.ApkPackage;
import dev.apkimg.apk.ApkPackageReader;
import dev.apkimg.testing.LoopbackHttpServer;
import dev.apkimg.testing.Prerequisites;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #11, item 3: two images with package layers that share packages (the 13-package base,
 * and the same plus alpine-keys), pushed to one registry (Debian's docker-registry on loopback):
 * the second push uploads only what the first lacked (alpine-keys' layer, the top layer, the
 * configuration), reusing the shared package layers in the same repository and mounting them
 * across repositories. Counted twice: by apkimg's metadata file and by the registry's access log.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegistryBlobReuseIT {
  static final ObjectMapper JSON = new ObjectMapper();
  /** {@code "METHOD URI HTTP/1.1" STATUS} in the registry's access log (combined log format). */
  static final Pattern ACCESS = Pattern.compile("\"([A-Z]+) (\\S+) HTTP/[0-9.]+\" (\\d{3}) ");

  @TempDir static Path tmp;

  private Path fixtures;
  private LoopbackHttpServer server;
  private LocalRegistry localRegistry;
  private String registry;
  private Path registryLog;
  private Path base;
  private Path plus;
  private Set<String> datahashes;

  @BeforeAll
  void setUp() throws Exception {
    fixtures = Prerequisites.requireSharedFixtures();
    Prerequisites.requireCommand("skopeo");
    server = LoopbackHttpServer.serve(fixtures.resolve("mirror"));
    base = profile("base", BuildEndToEndIT.WORLD);
    List<String> more = new ArrayList<>(BuildEndToEndIT.WORLD);
    more.add("alpine-keys");
    plus = profile("plus", more);
    datahashes = datahashes();

    localRegistry = LocalRegistry.start(tmp.resolve("registry"), "127.0.0.1");
    registry = localRegistry.address();
    registryLog = localRegistry.log();
  }

  @AfterAll
  void tearDown() throws InterruptedException {
    if (localRegistry != null) {
      localRegistry.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void secondTagInTheSameRepositoryUploadsOnlyTheNewBlobs() throws Exception {
    Path cache = tmp.resolve("cache-same");
    String first = registry + "/same/alpine:base";
    String second = registry + "/same/alpine:plus";

    Push a = push(base, first, cache);
    Image baseImage = image(first);
    assertPackageLayersAreDatahashes(baseImage, 13);
    assertBlobs(a, baseImage.blobs().size(), 0, 0);
    assertThat(a.blobs().path("uploadedBytes").asLong()).isEqualTo(baseImage.blobBytes());
    assertThat(a.log().uploaded()).containsExactlyInAnyOrderElementsOf(baseImage.blobs());

    Push b = push(plus, second, cache);
    Image plusImage = image(second);
    assertPackageLayersAreDatahashes(plusImage, 14);
    Set<String> lacking = minus(plusImage.blobs(), baseImage.blobs());
    // alpine-keys' layer, the top layer, the configuration.
    assertThat(lacking).hasSize(3).contains(plusImage.config(), plusImage.layers().get(plusImage.layers().size() - 1));
    assertBlobs(b, lacking.size(), plusImage.blobs().size() - lacking.size(), 0);
    assertThat(b.log().uploaded()).containsExactlyInAnyOrderElementsOf(lacking);
    assertThat(b.log().mounted()).isEmpty();
    assertThat(b.err()).contains("pushed " + second + " (")
        .contains(": 3 blobs uploaded (" + b.blobs().path("uploadedBytes").asLong() + " bytes), 13 already there, "
            + "0 mounted from another repository");

    skopeoCopy(first);
    skopeoCopy(second);
  }

  @Test
  void secondRepositoryMountsTheSharedBlobsFromTheFirst() throws Exception {
    Path cache = tmp.resolve("cache-two");
    String first = registry + "/two/base:1";
    String second = registry + "/two/plus:1";

    Push a = push(base, first, cache);
    Image baseImage = image(first);
    // Nothing is in two/base yet, and this cache has no record of pushes: everything is uploaded.
    assertBlobs(a, baseImage.blobs().size(), 0, 0);
    assertThat(a.log().uploaded()).containsExactlyInAnyOrderElementsOf(baseImage.blobs());

    Push b = push(plus, second, cache);
    Image plusImage = image(second);
    Set<String> lacking = minus(plusImage.blobs(), baseImage.blobs());
    assertThat(lacking).hasSize(3);
    assertBlobs(b, lacking.size(), 0, plusImage.blobs().size() - lacking.size());
    assertThat(b.log().uploaded()).containsExactlyInAnyOrderElementsOf(lacking);
    assertThat(b.log().mounted()).containsExactlyInAnyOrderElementsOf(minus(plusImage.blobs(), lacking));
    assertThat(b.log().mountSources()).containsOnly("two/base");
    assertThat(b.err()).contains("3 blobs uploaded", "0 already there", "13 mounted from another repository");

    // A mount refused (the source repository does not have the blob) is an upload: a stale record.
    Path record;
    try (Stream<Path> files = Files.list(cache.resolve("pushed"))) {
      record = files.filter(f -> f.getFileName().toString().matches("[0-9a-f]{64}")).findFirst().orElseThrow();
    }
    Files.writeString(record, Files.readString(record).replace(" two/base\n", " two/nothing-here\n")
        .replace(" two/plus\n", " two/nothing-here\n"));
    Push c = push(base, registry + "/two/again:1", cache);
    assertBlobs(c, baseImage.blobs().size(), 0, 0);
    assertThat(c.log().uploaded()).containsExactlyInAnyOrderElementsOf(baseImage.blobs());
    assertThat(c.log().refusedMounts()).isEqualTo(baseImage.blobs().size());

    skopeoCopy(first);
    skopeoCopy(second);
    skopeoCopy(registry + "/two/again:1");
  }

  // ---- helpers

  /** One push: apkimg's metadata and stderr, and the registry's access log lines it caused. */
  record Push(JsonNode blobs, String err, RegistryLog log) {}

  /** Blob uploads completed (PUT 201), mounts made (POST ?mount= 201) and refused (202), by digest. */
  record RegistryLog(List<String> uploaded, List<String> mounted, Set<String> mountSources, int refusedMounts) {}

  /** An image as the registry serves it. */
  record Image(String config, List<String> layers, long blobBytes) {
    Set<String> blobs() {
      Set<String> all = new LinkedHashSet<>(layers);
      all.add(config);
      return all;
    }
  }

  private Push push(Path profile, String reference, Path cache) throws Exception {
    long logStart = Files.size(registryLog);
    Path metadata = Files.createTempFile(tmp, "metadata", ".json");
    Processes.Output r = Processes.apkimg(List.of("build", profile.toString(), "--layering", "packages",
        "-k", fixtures.resolve("keys/apkimg-test.rsa.pub").toString(), "--cache-dir", cache.toString(),
        // --no-sbom: the image's own blobs are counted here; SbomPushDefaultIT pushes with the SBOMs.
        "--push", reference, "--allow-insecure-registry", "--metadata-file", metadata.toString(), "--no-sbom"))
        .assertSuccess();
    r.err().lines().filter(l -> l.contains("pushed ")).forEach(l -> System.out.println("RegistryBlobReuseIT: " + l));
    JsonNode meta = JSON.readTree(metadata.toFile());
    assertThat(meta.path("pushes")).as("metadata pushes; " + meta).hasSize(1);
    assertThat(meta.path("pushes").get(0).path("reference").asText()).isEqualTo(reference);
    return new Push(meta.path("pushes").get(0).path("blobs"), r.err(), registryLog(logStart));
  }

  private static void assertBlobs(Push push, int uploaded, int reused, int mounted) {
    assertThat(push.blobs().path("uploaded").asInt()).as("uploaded; " + push.blobs()).isEqualTo(uploaded);
    assertThat(push.blobs().path("reused").asInt()).as("reused; " + push.blobs()).isEqualTo(reused);
    assertThat(push.blobs().path("mounted").asInt()).as("mounted; " + push.blobs()).isEqualTo(mounted);
    assertThat(push.log().uploaded()).as("uploads in the registry's log").hasSize(uploaded);
    assertThat(push.log().mounted()).as("mounts in the registry's log").hasSize(mounted);
  }

  private void assertPackageLayersAreDatahashes(Image image, int packages) {
    assertThat(image.layers()).hasSize(packages + 1);
    assertThat(image.layers().subList(0, packages)).allMatch(datahashes::contains);
  }

  private RegistryLog registryLog(long from) throws Exception {
    // The access log line is written after the response: wait until the last request is in.
    Thread.sleep(200);
    String text;
    try (InputStream in = Files.newInputStream(registryLog)) {
      in.skipNBytes(from);
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    List<String> uploaded = new ArrayList<>();
    List<String> mounted = new ArrayList<>();
    Set<String> sources = new HashSet<>();
    int refused = 0;
    for (String line : text.lines().toList()) {
      Matcher m = ACCESS.matcher(line);
      if (!m.find() || !m.group(2).contains("/blobs/uploads/")) {
        continue;
      }
      String uri = URLDecoder.decode(m.group(2), StandardCharsets.UTF_8);
      String status = m.group(3);
      if (m.group(1).equals("PUT") && status.equals("201")) {
        uploaded.add(query(uri, "digest").orElseThrow());
      } else if (m.group(1).equals("POST") && query(uri, "mount").isPresent()) {
        if (status.equals("201")) {
          mounted.add(query(uri, "mount").orElseThrow());
          sources.add(query(uri, "from").orElseThrow());
        } else {
          refused++;
        }
      }
    }
    return new RegistryLog(uploaded, mounted, sources, refused);
  }

  private static Optional<String> query(String uri, String name) {
    Matcher m = Pattern.compile("[?&]" + name + "=([^&]+)").matcher(uri);
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }

  private Image image(String reference) throws Exception {
    JsonNode manifest = JSON.readTree(exec(tmp, "skopeo", "inspect", "--tls-verify=false", "--raw",
        "docker://" + reference).assertSuccess().out());
    List<String> layers = new ArrayList<>();
    long bytes = manifest.path("config").path("size").asLong();
    for (JsonNode l : manifest.path("layers")) {
      layers.add(l.path("digest").asText());
      bytes += l.path("size").asLong();
    }
    return new Image(manifest.path("config").path("digest").asText(), layers, bytes);
  }

  private void skopeoCopy(String reference) throws Exception {
    Path dir = Files.createTempDirectory(tmp, "copy");
    exec(tmp, "skopeo", "copy", "-q", "--src-tls-verify=false", "docker://" + reference, "dir:" + dir)
        .assertSuccess();
    JsonNode inspect = JSON.readTree(exec(tmp, "skopeo", "inspect", "--tls-verify=false", "docker://" + reference)
        .assertSuccess().out());
    assertThat(inspect.path("Architecture").asText()).isEqualTo("amd64");
    for (JsonNode layer : inspect.path("Layers")) {
      assertThat(dir.resolve(layer.asText().substring("sha256:".length()))).isRegularFile();
    }
  }

  private static Set<String> minus(Set<String> a, Set<String> b) {
    Set<String> r = new LinkedHashSet<>(a);
    r.removeAll(b);
    return r;
  }

  private Path profile(String name, List<String> packages) throws IOException {
    Path file = tmp.resolve(name + ".yaml");
    Files.writeString(file, """
        contents:
          repositories:
            - %sv3.20/main
          packages: [%s]
        archs: [x86_64]
        """.formatted(server.url(), String.join(", ", packages)));
    return file;
  }

  private Set<String> datahashes() throws IOException {
    Set<String> r = new HashSet<>();
    try (Stream<Path> apks = Files.walk(fixtures.resolve("mirror/v3.20/main/x86_64"))) {
      for (Path apk : apks.filter(p -> p.toString().endsWith(".apk")).toList()) {
        try (InputStream in = Files.newInputStream(apk)) {
          ApkPackage p = ApkPackageReader.read(in, n -> Optional.empty(), apk.toString(), (e, c) -> { });
          r.add("sha256:" + p.dataHash());
        }
      }
    }
    return r;
  }
}
