package dev.apkimg.sbom;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.api.Apkimg;
import dev.apkimg.api.BuildRequest;
import dev.apkimg.api.BuildResult;
import dev.apkimg.api.Outputs;
import dev.apkimg.testing.BuiltApk;
import dev.apkimg.testing.LoopbackHttpServer;
import dev.apkimg.testing.SbomValidators;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The provenance a build writes with {@code sbomDir}: an in-toto Statement v1 with a SLSA
 * Provenance v1 predicate, from packages and a repository made here.
 */
class ProvenanceTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;
  private Path dir;
  private TestRepository.Written mirror;

  @BeforeEach
  void repository() throws IOException {
    dir = tmp.resolve("project");
    TestKeys.primary().writePublicKey(dir.resolve("keys"));
    TestRepository repo = new TestRepository(TestKeys.primary());
    repo.add(TestPackage.builder("libfoo", "1.2.3-r0").license("MIT").builddate(1_700_000_000L)
        .provides("so:libfoo.so.1=1").dir("usr").dir("usr/lib").file("usr/lib/libfoo.so.1", "foo\n").build());
    repo.add(TestPackage.builder("hello", "2.0-r1").license("MIT").builddate(1_700_000_100L)
        .depends("so:libfoo.so.1").dir("usr").dir("usr/bin").file("usr/bin/hello", "hello\n").build());
    mirror = repo.write(dir.resolve("mirror/v3.20/main"));
    Files.writeString(dir.resolve("base.yaml"), """
        contents:
          repositories: [mirror/v3.20/main]
          keyring: [keys]
          packages: [hello]
        archs: [x86_64]
        """);
  }

  private BuildRequest.Builder request(String name, String cache) {
    return BuildRequest.builder(dir.resolve("base.yaml")).cacheDir(tmp.resolve(cache))
        .imageReference("example/base:1")
        .outputs(Outputs.builder().ociArchive(tmp.resolve(name + ".tar")).sbomDir(tmp.resolve(name))
            .metadataFile(tmp.resolve(name + ".json")).build());
  }

  private BuildResult build(String name, String cache) {
    return Apkimg.create().build(request(name, cache).build(), e -> { });
  }

  private static String sha256(byte[] bytes) {
    return dev.apkimg.testing.Digests.sha256(bytes);
  }

  private static String sha256(Path file) throws IOException {
    return dev.apkimg.testing.Digests.sha256(file);
  }

  /** The resolved dependencies by name (package name, APKINDEX.tar.gz, key name). */
  private static Map<String, JsonNode> dependencies(JsonNode statement) {
    return SbomValidators.resolvedDependencies(statement);
  }

  @Test
  void namesTheImageTheBuilderTheInputsAndEveryPackageIndexAndKeyWithDigestsOfTheFilesRead() throws IOException {
    BuildResult result = build("a", "cache");
    Path file = tmp.resolve("a/x86_64.provenance.json");
    JsonNode statement = JSON.readTree(file.toFile());

    assertThat(statement.get("_type").asText()).isEqualTo("https://in-toto.io/Statement/v1");
    assertThat(statement.get("predicateType").asText()).isEqualTo("https://slsa.dev/provenance/v1");
    assertThat(statement.get("subject")).hasSize(1);
    assertThat(statement.get("subject").get(0).get("name").asText()).isEqualTo("example/base:1");
    assertThat("sha256:" + statement.get("subject").get(0).get("digest").get("sha256").asText())
        .isEqualTo(result.images().get(0).manifestDigest());

    JsonNode definition = statement.get("predicate").get("buildDefinition");
    assertThat(definition.get("buildType").asText()).isEqualTo("https://apkimg.dev/provenance/build/v1");
    JsonNode parameters = definition.get("externalParameters");
    assertThat(parameters.get("profile").get("file").asText()).isEqualTo("base.yaml");
    assertThat(parameters.get("profile").get("sha256").asText()).isEqualTo(sha256(dir.resolve("base.yaml")));
    assertThat(parameters.get("profile").get("checksum").asText()).startsWith("sha256:");
    assertThat(parameters.has("lockfile")).as("resolved from the index, no lockfile").isFalse();
    assertThat(parameters.get("arch").asText()).isEqualTo("x86_64");
    assertThat(parameters.get("image").asText()).isEqualTo("example/base:1");
    assertThat(parameters.get("layering").toString()).isEqualTo("{\"strategy\":\"single\"}");
    assertThat(parameters.has("repositories")).as("none given in place of the profile's").isFalse();
    assertThat(parameters.get("created").asText()).isEqualTo("2023-11-14T22:15:00Z");
    assertThat(parameters.get("allowUntrusted").asBoolean()).isFalse();

    // Every installed package: the .apk's URL and the SHA-256 of the very file, with apk's own checksums.
    Map<String, JsonNode> resolved = dependencies(statement);
    assertThat(resolved).containsOnlyKeys("hello", "libfoo", "APKINDEX.tar.gz", TestKeys.primary().name());
    for (String name : List.of("hello", "libfoo")) {
      BuiltApk apk = mirror.apk("x86_64", name);
      JsonNode d = resolved.get(name);
      Path apkFile = mirror.root().resolve("x86_64").resolve(apk.fileName());
      assertThat(d.get("uri").asText()).isEqualTo(apkFile.toUri().toString());
      assertThat(d.get("digest").get("sha256").asText()).isEqualTo(sha256(apkFile)).isEqualTo(sha256(apk.bytes()));
      assertThat(d.get("annotations").get("name").asText()).isEqualTo(name);
      assertThat(d.get("annotations").get("version").asText()).isEqualTo(apk.pkg().version());
      assertThat(d.get("annotations").get("apkChecksum").asText()).isEqualTo(apk.q1());
      assertThat(d.get("annotations").get("apkDataSha256").asText()).isEqualTo(apk.datahash());
    }
    JsonNode index = resolved.get("APKINDEX.tar.gz");
    assertThat(index.get("uri").asText()).isEqualTo(mirror.index("x86_64").toUri().toString());
    assertThat(index.get("digest").get("sha256").asText()).isEqualTo(sha256(mirror.index("x86_64")));
    JsonNode key = resolved.get(TestKeys.primary().name());
    assertThat(key.get("digest").get("sha256").asText())
        .isEqualTo(sha256(dir.resolve("keys").resolve(TestKeys.primary().name())))
        .isEqualTo(sha256(TestKeys.primary().publicKeyPem().getBytes(StandardCharsets.US_ASCII)));

    JsonNode builder = statement.get("predicate").get("runDetails").get("builder");
    assertThat(builder.get("id").asText()).startsWith("https://apkimg.dev/builder/apkimg@")
        .doesNotEndWith("unknown");
    assertThat(builder.get("version").get("apkimg").asText()).isEqualTo(Sbom.toolVersion());
    assertThat(builder.get("version").get("jib-core").asText()).matches("\\d+\\.\\d+\\.\\d+");
    assertThat(builder.get("version").has("java")).isFalse();
    // No wall-clock times, no invocation id: the same inputs give the same bytes.
    assertThat(statement.get("predicate").get("runDetails").has("metadata")).isFalse();
    assertThat(Files.readString(file)).doesNotContain(System.getProperty("java.version"));

    assertThat(SbomValidators.provenanceProblems(Files.readAllBytes(file))).isEmpty();

    // The metadata lists it apart from the SBOMs, with its digest.
    JsonNode metadata = JSON.readTree(tmp.resolve("a.json").toFile());
    assertThat(metadata.get("sboms")).hasSize(2);
    assertThat(metadata.get("provenance")).hasSize(1);
    JsonNode listed = metadata.get("provenance").get(0);
    assertThat(listed.get("arch").asText()).isEqualTo("x86_64");
    assertThat(listed.get("format").asText()).isEqualTo("slsa-provenance-1");
    assertThat(listed.get("mediaType").asText()).isEqualTo("application/vnd.in-toto+json");
    assertThat(listed.get("file").asText()).isEqualTo(file.toString());
    assertThat(listed.get("sha256").asText()).isEqualTo(sha256(file));
  }

  @Test
  void theSchemaValidatorCatchesAStatementThatBreaksTheSpecifications() throws IOException {
    build("a", "cache");
    String good = Files.readString(tmp.resolve("a/x86_64.provenance.json"));
    assertThat(SbomValidators.provenanceProblems(good.getBytes(StandardCharsets.UTF_8))).isEmpty();
    for (String bad : List.of(
        good.replace("\"_type\"", "\"type\""),
        good.replace("https://slsa.dev/provenance/v1", "https://slsa.dev/provenance/v0.2"),
        good.replace("\"buildType\"", "\"buildKind\""),
        good.replaceFirst("\"sha256\" : \"[0-9a-f]{64}\"", "\"sha256\" : \"not-hex\""))) {
      assertThat(SbomValidators.provenanceProblems(bad.getBytes(StandardCharsets.UTF_8))).isNotEmpty();
    }
  }

  @Test
  void aProfileWithIncludesNamesEachIncludedFileByItsPathFromTheProfileAndItsDigest() throws IOException {
    Files.createDirectories(dir.resolve("parts/more"));
    Files.writeString(dir.resolve("app.yaml"), """
        include: [parts/packages.yaml, parts/archs.yaml]
        contents:
          repositories: [mirror/v3.20/main]
          keyring: [keys]
        """);
    Files.writeString(dir.resolve("parts/packages.yaml"), """
        include: more/hello.yaml
        contents:
          packages: [libfoo]
        """);
    Files.writeString(dir.resolve("parts/more/hello.yaml"), "contents:\n  packages: [hello]\n");
    Files.writeString(dir.resolve("parts/archs.yaml"), "archs: [x86_64]\n");
    BuildRequest.Builder app = BuildRequest.builder(dir.resolve("app.yaml")).cacheDir(tmp.resolve("cache"))
        .imageReference("example/app:1");
    Apkimg.create().build(app.outputs(Outputs.builder().ociArchive(tmp.resolve("i1.tar")).sbomDir(tmp.resolve("i1")).build()).build(), e -> { });
    Apkimg.create().build(app.outputs(Outputs.builder().ociArchive(tmp.resolve("i2.tar")).sbomDir(tmp.resolve("i2")).build()).build(), e -> { });

    byte[] bytes = Files.readAllBytes(tmp.resolve("i1/x86_64.provenance.json"));
    assertThat(SbomValidators.provenanceProblems(bytes)).isEmpty();
    JsonNode profile = JSON.readTree(bytes).get("predicate").get("buildDefinition").get("externalParameters")
        .get("profile");
    assertThat(profile.get("file").asText()).isEqualTo("app.yaml");
    assertThat(profile.get("sha256").asText()).isEqualTo(sha256(dir.resolve("app.yaml")));
    assertThat(profile.get("includes").toString()).as("every file an include read, sorted, paths from app.yaml")
        .isEqualTo("[{\"file\":\"parts/archs.yaml\",\"sha256\":\"" + sha256(dir.resolve("parts/archs.yaml")) + "\"},"
            + "{\"file\":\"parts/more/hello.yaml\",\"sha256\":\"" + sha256(dir.resolve("parts/more/hello.yaml")) + "\"},"
            + "{\"file\":\"parts/packages.yaml\",\"sha256\":\"" + sha256(dir.resolve("parts/packages.yaml")) + "\"}]");
    assertThat(profile.toString()).doesNotContain(tmp.toString());
    assertThat(tmp.resolve("i2/x86_64.provenance.json")).as("same inputs, same bytes").hasBinaryContent(bytes);

    // A comment changes an included file's bytes, not what the profile means: only its digest tells.
    Files.writeString(dir.resolve("parts/archs.yaml"), "# the only arch\narchs: [x86_64]\n");
    Apkimg.create().build(app.outputs(Outputs.builder().ociArchive(tmp.resolve("i3.tar")).sbomDir(tmp.resolve("i3")).build()).build(), e -> { });
    JsonNode changed = JSON.readTree(tmp.resolve("i3/x86_64.provenance.json").toFile()).get("predicate")
        .get("buildDefinition").get("externalParameters").get("profile");
    assertThat(changed.get("checksum")).isEqualTo(profile.get("checksum"));
    assertThat(changed.get("includes").get(0).get("sha256").asText()).isEqualTo(sha256(dir.resolve("parts/archs.yaml")))
        .isNotEqualTo(profile.get("includes").get(0).get("sha256").asText());
    assertThat(changed.get("includes").get(1)).isEqualTo(profile.get("includes").get(1));

    // Without includes, nothing is added.
    build("a", "cache");
    assertThat(JSON.readTree(tmp.resolve("a/x86_64.provenance.json").toFile()).get("predicate").get("buildDefinition")
        .get("externalParameters").get("profile").has("includes")).isFalse();
  }

  @Test
  void twoBuildsGiveTheSameBytesWhetherThePackagesAreDownloadedOrTakenFromTheCache() throws IOException {
    build("a", "cache");
    build("b", "cache");
    build("c", "other-cache");
    byte[] a = Files.readAllBytes(tmp.resolve("a/x86_64.provenance.json"));
    assertThat(tmp.resolve("b/x86_64.provenance.json")).hasBinaryContent(a);
    assertThat(tmp.resolve("c/x86_64.provenance.json")).hasBinaryContent(a);
  }

  @Test
  void aRepositoryGivenWithUserAndPasswordLeavesNoCredentialsInTheProvenance() throws IOException {
    try (LoopbackHttpServer server = LoopbackHttpServer.serve(dir.resolve("mirror"))
        .requireBasicAuth("builder", "s3cret-pw")) {
      String withCredentials = server.url().replace("http://", "http://builder:s3cret-pw@") + "v3.20/main";
      Apkimg.create().build(request("a", "cache").repositories(List.of(withCredentials)).build(), e -> { });
      String text = Files.readString(tmp.resolve("a/x86_64.provenance.json"));
      assertThat(text).doesNotContain("s3cret-pw").doesNotContain("builder:").doesNotContain("builder@");
      JsonNode statement = JSON.readTree(text);
      assertThat(statement.get("predicate").get("buildDefinition").get("externalParameters").get("repositories")
          .toString()).isEqualTo("[\"" + server.url() + "v3.20/main\"]");
      Map<String, JsonNode> resolved = dependencies(statement);
      assertThat(resolved.get("hello").get("uri").asText())
          .isEqualTo(server.url() + "v3.20/main/x86_64/hello-2.0-r1.apk");
      assertThat(resolved.get("APKINDEX.tar.gz").get("uri").asText())
          .isEqualTo(server.url() + "v3.20/main/x86_64/APKINDEX.tar.gz");
      assertThat(resolved.get("APKINDEX.tar.gz").get("digest").get("sha256").asText())
          .isEqualTo(sha256(mirror.index("x86_64")));
      assertThat(SbomValidators.provenanceProblems(text.getBytes(StandardCharsets.UTF_8))).isEmpty();
    }
  }

  @Test
  void aLockfileBuildNamesTheLockfileByDigestInPlaceOfTheIndexesItDidNotRead() throws IOException {
    Path lockfile = Apkimg.create().lock(BuildRequest.builder(dir.resolve("base.yaml")).cacheDir(tmp.resolve("cache"))
        .build(), null, e -> { }).file();
    build("a", "cache");
    JsonNode statement = JSON.readTree(tmp.resolve("a/x86_64.provenance.json").toFile());
    JsonNode lock = statement.get("predicate").get("buildDefinition").get("externalParameters").get("lockfile");
    assertThat(lock.get("file").asText()).isEqualTo(lockfile.getFileName().toString());
    assertThat(lock.get("sha256").asText()).isEqualTo(sha256(lockfile));
    Map<String, JsonNode> resolved = dependencies(statement);
    assertThat(resolved).containsOnlyKeys("hello", "libfoo", TestKeys.primary().name());
    for (String name : List.of("hello", "libfoo")) {
      BuiltApk apk = mirror.apk("x86_64", name);
      assertThat(resolved.get(name).get("digest").get("sha256").asText()).isEqualTo(sha256(apk.bytes()));
    }
    List<String> problems = new ArrayList<>(SbomValidators.provenanceProblems(
        Files.readAllBytes(tmp.resolve("a/x86_64.provenance.json"))));
    assertThat(problems).isEmpty();
  }
}
