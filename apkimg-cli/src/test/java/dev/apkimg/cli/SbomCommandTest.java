package dev.apkimg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.apkimg.testing.LoopbackHttpServer;
import dev.apkimg.testing.TestCertificates;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code apkimg sbom IMAGE}: the SBOM attached by {@code build --sbom}, read back byte for byte from the
 * OCI archive, an OCI layout folder and a registry (referrers API and referrers tag, on a loopback server
 * that serves a registry's paths from files), in either format; what is not attached, ambiguous or
 * tampered with is refused in one line.
 */
class SbomCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String INDEX = "application/vnd.oci.image.index.v1+json";

  @TempDir Path tmp;
  private Path profile;
  private Path multiProfile;

  /** What {@code apkimg sbom} wrote: the bytes on System.out, picocli's out (the list) and err. */
  record Run(int code, byte[] stdout, String out, String err) {
    Run assertSuccess() {
      assertThat(code).as("exit code; err: " + err).isZero();
      assertThat(err).isEmpty();
      return this;
    }

    void assertOneLineError(int expected, String... contains) {
      assertThat(code).as("exit code; err: " + err).isEqualTo(expected);
      assertThat(stdout).as("nothing on stdout").isEmpty();
      assertThat(err.strip()).doesNotContain("\n").startsWith("apkimg: error: ").contains(contains);
    }
  }

  @BeforeEach
  void repository() throws IOException {
    HelloProfiles hello = HelloProfiles.writeTo(tmp);
    profile = hello.single();
    multiProfile = hello.multi();
  }

  private Path build(Path profile, String archive, String... more) {
    List<String> args = new ArrayList<>(List.of("build", profile.toString(), "-o", tmp.resolve(archive).toString(),
        "--cache-dir", tmp.resolve("cache").toString(), "--tag", "example/hello:1", "-q"));
    args.addAll(List.of(more));
    Processes.apkimg(args).assertSuccess();
    return tmp.resolve(archive);
  }

  static Run sbom(String... args) {
    return sbomWithStdin(null, args);
  }

  static Run sbomWithStdin(String stdin, String... args) {
    PrintStream savedOut = System.out;
    InputStream savedIn = System.in;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    System.setOut(new PrintStream(bytes, true));
    if (stdin != null) {
      System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
    }
    try {
      List<String> all = new ArrayList<>(List.of("sbom"));
      all.addAll(List.of(args));
      Processes.Output o = Processes.apkimg(all);
      return new Run(o.code(), bytes.toByteArray(), o.out(), o.err());
    } finally {
      System.setOut(savedOut);
      System.setIn(savedIn);
    }
  }

  private byte[] file(String name) throws IOException {
    return Files.readAllBytes(tmp.resolve("sbom").resolve(name));
  }

  @Test
  void printsTheAttachedSpdxAndCycloneDxOfAnArchiveByteForByte() throws IOException {
    Path archive = build(profile, "a.tar", "--sbom", "--sbom-dir", tmp.resolve("sbom").toString());
    assertThat(sbom(archive.toString()).assertSuccess().stdout()).isEqualTo(file("x86_64.spdx.json"));
    assertThat(sbom("--format", "cyclonedx", "oci-archive:" + archive).assertSuccess().stdout())
        .isEqualTo(file("x86_64.cdx.json"));
    assertThat(sbom("--format", "spdx", "--arch", "x86_64", "oci-archive:" + archive + ":example/hello:1")
        .assertSuccess().stdout()).isEqualTo(file("x86_64.spdx.json"));

    Path out = tmp.resolve("out/doc.json");
    Run written = sbom("--format", "cyclonedx", "-o", out.toString(), archive.toString()).assertSuccess();
    assertThat(written.stdout()).isEmpty();
    assertThat(out).hasBinaryContent(file("x86_64.cdx.json"));
    assertThat(out.getParent()).isDirectoryNotContaining(p -> p.getFileName().toString().startsWith("."));
    sbom("-o", archive.toString(), archive.toString()).assertOneLineError(1, "which this command reads");
    sbom("-o", archive.toString(), "oci-archive:" + archive).assertOneLineError(1, "which this command reads");
    assertThat(sbom(archive.toString()).assertSuccess().stdout()).isEqualTo(file("x86_64.spdx.json"));

    Run list = sbom("--list", archive.toString()).assertSuccess();
    assertThat(list.stdout()).isEmpty();
    assertThat(list.out().lines()).hasSize(3);
    assertThat(list.out().lines().toList().get(2)).startsWith("linux/amd64 application/vnd.in-toto+json sha256:");
    assertThat(sbom("--format", "provenance", archive.toString()).assertSuccess().stdout())
        .isEqualTo(file("x86_64.provenance.json"));
    assertThat(list.out().lines().toList().get(0)).matches(
        "linux/amd64 application/spdx\\+json sha256:[0-9a-f]{64} " + file("x86_64.spdx.json").length + " \\S+Z");
    assertThat(list.out().lines().toList().get(1)).startsWith("linux/amd64 application/vnd.cyclonedx+json sha256:");
    JsonNode json = JSON.readTree(sbom("--list", "--json", archive.toString()).assertSuccess().out());
    assertThat(json).hasSize(3);
    assertThat(json.get(1).get("artifactType").asText()).isEqualTo("application/vnd.cyclonedx+json");
    assertThat(json.get(1).get("size").asLong()).isEqualTo(file("x86_64.cdx.json").length);
    // --digest reads the artifact --list names.
    assertThat(sbom("--format", "cyclonedx", "--digest", json.get(1).get("digest").asText(), archive.toString())
        .assertSuccess().stdout()).isEqualTo(file("x86_64.cdx.json"));
  }

  @Test
  void aMultiPlatformArchiveGivesTheIndexSbomOrAChosenPlatformsAndListsThePlatformsWhenItMustChoose()
      throws IOException {
    Path archive = build(multiProfile, "m.tar", "--sbom", "--sbom-dir", tmp.resolve("sbom").toString());
    // No platform: the image index's own SBOM and provenance.
    assertThat(sbom(archive.toString()).assertSuccess().stdout()).isEqualTo(file("index.spdx.json"));
    assertThat(sbom("--format", "cyclonedx", archive.toString()).assertSuccess().stdout())
        .isEqualTo(file("index.cdx.json"));
    assertThat(sbom("--format", "provenance", archive.toString()).assertSuccess().stdout())
        .isEqualTo(file("index.provenance.json"));
    assertThat(sbom("--arch", "aarch64", archive.toString()).assertSuccess().stdout())
        .isEqualTo(file("aarch64.spdx.json"));
    assertThat(sbom("--platform", "linux/amd64", "--format", "cyclonedx", archive.toString()).assertSuccess().stdout())
        .isEqualTo(file("x86_64.cdx.json"));
    assertThat(sbom("--platform", "linux/arm64/v8", "--format", "cyclonedx", archive.toString()).assertSuccess()
        .stdout()).isEqualTo(file("aarch64.cdx.json"));
    sbom("--arch", "armv7", archive.toString()).assertOneLineError(1, "no image for linux/arm/v7",
        "linux/amd64, linux/arm64");
    Run list = sbom("--list", archive.toString()).assertSuccess();
    assertThat(list.out().lines().map(l -> l.split(" ")[0] + " " + l.split(" ")[1])).containsExactly(
        "linux/amd64 application/spdx+json", "linux/amd64 application/vnd.cyclonedx+json",
        "linux/amd64 application/vnd.in-toto+json",
        "linux/arm64 application/spdx+json", "linux/arm64 application/vnd.cyclonedx+json",
        "linux/arm64 application/vnd.in-toto+json",
        "index application/spdx+json", "index application/vnd.cyclonedx+json", "index application/vnd.in-toto+json");
    assertThat(sbom("--list", "--arch", "aarch64", archive.toString()).assertSuccess().out().lines()).hasSize(3);
    // --digest names one artifact: no platform or format needed, and a format that is not its own is refused.
    String aarch64Cdx = JSON.readTree(sbom("--list", "--json", "--arch", "aarch64", archive.toString()).out())
        .get(1).get("digest").asText();
    assertThat(sbom("--digest", aarch64Cdx, archive.toString()).assertSuccess().stdout())
        .isEqualTo(file("aarch64.cdx.json"));
    sbom("--digest", aarch64Cdx, "--format", "spdx", archive.toString())
        .assertOneLineError(1, "no application/spdx+json document with manifest " + aarch64Cdx);
  }

  @Test
  void anImageWithoutAttachedSbomsFailsInOneLineSayingHowToAttachThem() throws IOException {
    Path plain = build(profile, "plain.tar");
    sbom(plain.toString()).assertOneLineError(1, "no application/spdx+json document is attached", "--sbom");
    assertThat(sbom("--list", plain.toString()).assertSuccess().out()).isEmpty();
    sbom("--format", "provenance", plain.toString()).assertOneLineError(1, "application/vnd.in-toto+json");
    Path docker = build(profile, "docker.tar", "--format", "docker");
    sbom(docker.toString()).assertOneLineError(1, "not an OCI image layout");
    sbom(tmp.resolve("missing.tar").toString()).assertOneLineError(1, "no file or folder");
  }

  @Test
  void aDocumentOrArtifactManifestChangedInTheArchiveIsRefusedNamingItsDigest() throws IOException {
    Path archive = build(profile, "a.tar", "--sbom", "--sbom-dir", tmp.resolve("sbom").toString());
    byte[] original = Files.readAllBytes(archive);
    byte[] document = file("x86_64.spdx.json");
    JsonNode listed = JSON.readTree(sbom("--list", "--json", archive.toString()).out()).get(0);

    Path tampered = Files.write(tmp.resolve("tampered.tar"), replaceOnce(original, document, flipLetter(document)));
    sbom(tampered.toString()).assertOneLineError(1, listed.get("documentDigest").asText(), "tampered with");
    // The CycloneDX document is untouched and still readable.
    assertThat(sbom("--format", "cyclonedx", tampered.toString()).assertSuccess().stdout())
        .isEqualTo(file("x86_64.cdx.json"));

    byte[] manifest = blob(original, listed.get("digest").asText());
    Path forged = Files.write(tmp.resolve("forged.tar"), replaceOnce(original, manifest, flipLetter(manifest)));
    sbom(forged.toString()).assertOneLineError(1, listed.get("digest").asText(), "tampered with");
  }

  @Test
  void anOciLayoutFolderIsReadAsTheArchive() throws IOException {
    Path archive = build(profile, "a.tar", "--sbom", "--sbom-dir", tmp.resolve("sbom").toString());
    Path layout = unpack(archive, tmp.resolve("layout"));
    assertThat(sbom(layout.toString()).assertSuccess().stdout()).isEqualTo(file("x86_64.spdx.json"));
    assertThat(sbom("--format", "cyclonedx", "oci:" + layout + ":example/hello:1").assertSuccess().stdout())
        .isEqualTo(file("x86_64.cdx.json"));
    sbom("oci:" + layout + ":other").assertOneLineError(1, "names no image 'other'", "example/hello:1");
  }

  @Test
  void wrongUsageExitsWithTwoSayingWhatIsWrong() throws IOException {
    Path archive = build(profile, "a.tar", "--sbom");
    assertUsage(sbom("--format", "xml", archive.toString()), "--format must be spdx, cyclonedx or provenance, not 'xml'");
    assertUsage(sbom("--arch", "x86_64", "--platform", "linux/amd64", archive.toString()), "give one of them");
    assertUsage(sbom("--arch", "sparc", archive.toString()), "unknown architecture 'sparc' for --arch");
    assertUsage(sbom("--json", archive.toString()), "--json goes with --list");
    assertUsage(sbom("--digest", "abc", archive.toString()), "--digest must be sha256:");
    assertUsage(sbom("--password-stdin", archive.toString()), "--password-stdin needs --registry-username");
    assertUsage(sbom(), "Missing required parameter: 'IMAGE'");
  }

  private static void assertUsage(Run run, String message) {
    assertThat(run.code()).as(run.err()).isEqualTo(2);
    assertThat(run.stdout()).isEmpty();
    assertThat(run.err().lines().findFirst().orElse("")).contains(message);
    assertThat(run.err()).contains("Usage: apkimg sbom");
  }

  @Test
  void aRegistryWithTheReferrersApiIsAskedThroughItWithABearerToken() throws IOException {
    Path archive = build(profile, "a.tar", "--sbom", "--sbom-dir", tmp.resolve("sbom").toString());
    Path root = registryTree(archive, "team/hello", "1", true);
    try (LoopbackHttpServer server = LoopbackHttpServer.serve(root)) {
      String reference = "127.0.0.1:" + server.port() + "/team/hello:1";
      assertThat(sbom("--allow-insecure-registry", reference).assertSuccess().stdout())
          .isEqualTo(file("x86_64.spdx.json"));
      assertThat(server.requestedPaths()).anyMatch(p -> p.startsWith("/v2/team/hello/referrers/sha256:"))
          .noneMatch(p -> p.startsWith("/v2/team/hello/manifests/sha256-"));

      server.requireBearerToken("ann", "s3cret", "t0ken");
      server.clearLog();
      assertThat(sbomWithStdin("s3cret\n", "--format", "cyclonedx", "--allow-insecure-registry",
          "--registry-username", "ann", "--password-stdin", reference).assertSuccess().stdout())
          .isEqualTo(file("x86_64.cdx.json"));
      assertThat(server.received()).anyMatch(r -> r.path().equals("/token")
          && r.authorization() != null && r.authorization().startsWith("Basic "));
      assertThat(server.received()).filteredOn(r -> r.path().startsWith("/v2/team/hello/blobs/"))
          .allMatch(r -> "Bearer t0ken".equals(r.authorization()));
      sbomWithStdin("wrong\n", "--allow-insecure-registry", "--registry-username", "ann", "--password-stdin", reference)
          .assertOneLineError(1, "refused", "user 'ann'", "check the user name and password");
      sbom("--allow-insecure-registry", reference).assertOneLineError(1, "anonymous", "team/hello");
    }
  }

  @Test
  void aRegistryWithASelfSignedCertificateIsReadOnlyWhenInsecureRegistriesAreAllowed() throws IOException {
    Path archive = build(profile, "a.tar", "--sbom", "--sbom-dir", tmp.resolve("sbom").toString());
    Path root = registryTree(archive, "hello", "1", false);
    try (LoopbackHttpServer server = LoopbackHttpServer.serveHttps(root, TestCertificates.selfSignedServer("registry.test"))) {
      String registry = "127.0.0.1:" + server.port();
      String reference = registry + "/hello:1";
      sbom(reference).assertOneLineError(1, registry, "untrusted certificate", "--allow-insecure-registry");
      assertThat(server.requestedPaths()).as("nothing is read over a connection that is not trusted").isEmpty();

      assertThat(sbom("--allow-insecure-registry", reference).assertSuccess().stdout())
          .isEqualTo(file("x86_64.spdx.json"));
      assertThat(sbom("--allow-insecure-registry", "--format", "provenance", "docker://" + reference).assertSuccess()
          .stdout()).isEqualTo(file("x86_64.provenance.json"));
      assertThat(server.url()).startsWith("https://");

      // Credentials go over such a connection only as they would over plain HTTP: with the flag.
      server.requireBasicAuth("ann", "s3cret");
      server.clearLog();
      assertThat(sbomWithStdin("s3cret\n", "--format", "cyclonedx", "--allow-insecure-registry",
          "--registry-username", "ann", "--password-stdin", reference).assertSuccess().stdout())
          .isEqualTo(file("x86_64.cdx.json"));
      assertThat(server.received()).filteredOn(r -> r.path().startsWith("/v2/hello/blobs/")).isNotEmpty()
          .allMatch(r -> r.authorization() != null && r.authorization().startsWith("Basic "));
      sbomWithStdin("s3cret\n", "--registry-username", "ann", "--password-stdin", reference)
          .assertOneLineError(1, registry, "--allow-insecure-registry");
    }
  }

  @Test
  void aRegistryWithoutTheReferrersApiIsReadThroughTheReferrersTag() throws IOException {
    Path archive = build(multiProfile, "m.tar", "--sbom", "--sbom-dir", tmp.resolve("sbom").toString());
    Path root = registryTree(archive, "hello", "1", false);
    try (LoopbackHttpServer server = LoopbackHttpServer.serve(root)) {
      String reference = "127.0.0.1:" + server.port() + "/hello:1";
      assertThat(sbom("--allow-insecure-registry", "--arch", "aarch64", reference).assertSuccess().stdout())
          .isEqualTo(file("aarch64.spdx.json"));
      assertThat(server.requestedPaths()).anyMatch(p -> p.startsWith("/v2/hello/referrers/sha256:"))
          .anyMatch(p -> p.startsWith("/v2/hello/manifests/sha256-"));
      assertThat(sbom("--allow-insecure-registry", reference).assertSuccess().stdout())
          .as("no platform: the index's SBOM, under the index digest's referrers tag").isEqualTo(file("index.spdx.json"));
      assertThat(sbom("--allow-insecure-registry", "--format", "provenance", reference).assertSuccess().stdout())
          .isEqualTo(file("index.provenance.json"));
    }
  }

  @Test
  void aRegistryThatServesOtherBytesForTheDocumentOrListsAnotherImagesArtifactIsNotBelieved() throws IOException {
    Path archive = build(profile, "a.tar", "--sbom", "--sbom-dir", tmp.resolve("sbom").toString());
    Path root = registryTree(archive, "hello", "1", true);
    JsonNode listed = JSON.readTree(sbom("--list", "--json", archive.toString()).out());
    String spdx = listed.get(0).get("documentDigest").asText();
    Path blob = root.resolve("v2/hello/blobs/" + spdx);
    Files.write(blob, flipLetter(Files.readAllBytes(blob)));
    try (LoopbackHttpServer server = LoopbackHttpServer.serve(root)) {
      String reference = "127.0.0.1:" + server.port() + "/hello:1";
      sbom("--allow-insecure-registry", reference).assertOneLineError(1, spdx, "registry", "tampered with");
      // A referrers list naming an artifact of another image: that artifact is not this image's.
      String subject = listed.get(0).get("subject").asText();
      Path referrers = root.resolve("v2/hello/referrers/" + subject);
      Path elsewhere = root.resolve("v2/hello/referrers/sha256:" + "0".repeat(64));
      Files.move(referrers, elsewhere);
      Files.writeString(referrers, "{\"schemaVersion\":2,\"mediaType\":\"" + INDEX + "\",\"manifests\":[]}");
      ObjectNode foreign = (ObjectNode) JSON.readTree(Files.readString(elsewhere));
      Files.writeString(referrers, JSON.writeValueAsString(foreign));
      byte[] manifest = Files.readAllBytes(root.resolve("v2/hello/manifests/" + listed.get(1).get("digest").asText()));
      ObjectNode other = (ObjectNode) JSON.readTree(manifest);
      other.with("subject").put("digest", "sha256:" + "1".repeat(64));
      byte[] otherBytes = JSON.writeValueAsBytes(other);
      String otherDigest = sha256(otherBytes);
      Files.write(root.resolve("v2/hello/manifests/" + otherDigest), otherBytes);
      ((ObjectNode) foreign.withArray("manifests").get(1)).put("digest", otherDigest).put("size", otherBytes.length);
      Files.writeString(referrers, JSON.writeValueAsString(foreign));
      sbom("--allow-insecure-registry", "--format", "cyclonedx", reference)
          .assertOneLineError(1, "no application/vnd.cyclonedx+json document is attached");
    }
  }

  /**
   * The registry paths of the archive's image as files a {@link LoopbackHttpServer} serves: every blob
   * under blobs/ and manifests/ by digest, the image under {@code tag}, and each image's referrers under
   * {@code referrers/DIGEST} (the API) or {@code manifests/sha256-HEX} (the tag schema).
   */
  private Path registryTree(Path archive, String repository, String tag, boolean referrersApi) throws IOException {
    Map<String, byte[]> entries = entries(archive);
    Path root = tmp.resolve("registry-" + repository.replace('/', '-') + (referrersApi ? "-api" : "-tag"));
    Path base = Files.createDirectories(root.resolve("v2/" + repository));
    Files.createDirectories(base.resolve("blobs"));
    Files.createDirectories(base.resolve("manifests"));
    Files.createDirectories(base.resolve("referrers"));
    for (Map.Entry<String, byte[]> e : entries.entrySet()) {
      if (e.getKey().startsWith("blobs/sha256/")) {
        String digest = "sha256:" + e.getKey().substring("blobs/sha256/".length());
        Files.write(base.resolve("blobs/" + digest), e.getValue());
        Files.write(base.resolve("manifests/" + digest), e.getValue());
      }
    }
    JsonNode manifests = JSON.readTree(entries.get("index.json")).get("manifests");
    Files.write(base.resolve("manifests/" + tag), blob(entries, manifests.get(0).get("digest").asText()));
    Map<String, List<JsonNode>> bySubject = new LinkedHashMap<>();
    for (JsonNode entry : manifests) {
      if (entry.has("artifactType")) {
        String subject = JSON.readTree(blob(entries, entry.get("digest").asText())).get("subject").get("digest").asText();
        bySubject.computeIfAbsent(subject, s -> new ArrayList<>()).add(entry);
      }
    }
    for (Map.Entry<String, List<JsonNode>> s : bySubject.entrySet()) {
      ObjectNode index = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", INDEX);
      s.getValue().forEach(index.putArray("manifests")::add);
      Files.write(base.resolve(referrersApi ? "referrers/" + s.getKey() : "manifests/" + s.getKey().replace(':', '-')),
          JSON.writeValueAsBytes(index));
    }
    return root;
  }

  private static Path unpack(Path archive, Path dir) throws IOException {
    for (Map.Entry<String, byte[]> e : entries(archive).entrySet()) {
      Path file = dir.resolve(e.getKey());
      Files.createDirectories(file.getParent());
      Files.write(file, e.getValue());
    }
    return dir;
  }

  private static Map<String, byte[]> entries(Path archive) throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (InputStream in = Files.newInputStream(archive)) {
      for (TarStream.Entry e : TarStream.read(in)) {
        entries.put(e.name(), e.content());
      }
    }
    return entries;
  }

  private static byte[] blob(Map<String, byte[]> entries, String digest) {
    return entries.get("blobs/sha256/" + digest.substring("sha256:".length()));
  }

  private static byte[] blob(byte[] tar, String digest) throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    for (TarStream.Entry e : TarStream.read(new ByteArrayInputStream(tar))) {
      entries.put(e.name(), e.content());
    }
    return blob(entries, digest);
  }

  /** {@code bytes} with one letter in the middle changed to another: same length, other digest. */
  private static byte[] flipLetter(byte[] bytes) {
    byte[] copy = bytes.clone();
    for (int i = copy.length / 2; i < copy.length; i++) {
      if (copy[i] >= 'a' && copy[i] <= 'y') {
        copy[i]++;
        return copy;
      }
    }
    throw new AssertionError("no letter to change");
  }

  /** {@code haystack} with the one occurrence of {@code needle} replaced by {@code replacement} (same length). */
  private static byte[] replaceOnce(byte[] haystack, byte[] needle, byte[] replacement) {
    int found = -1;
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      assertThat(found).as("one occurrence").isEqualTo(-1);
      found = i;
    }
    assertThat(found).as("occurrence").isNotNegative();
    byte[] copy = haystack.clone();
    System.arraycopy(replacement, 0, copy, found, replacement.length);
    return copy;
  }

  private static String sha256(byte[] bytes) {
    try {
      return "sha256:" + java.util.HexFormat.of().formatHex(
          java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
