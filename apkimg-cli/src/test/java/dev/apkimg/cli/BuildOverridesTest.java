package dev.apkimg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.Arch;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** apko's build flags: -p/--package-append, --annotations, --vcs, --arch host|all|A,B. */
class BuildOverridesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  private Path profile;

  @BeforeEach
  void setUp() throws IOException {
    TestRepository repo = new TestRepository(TestKeys.primary());
    for (String arch : Arch.NAMES) {
      repo.add(TestPackage.builder("base", "1-r0").arch(arch).builddate(1_700_000_000L).file("etc/base", "base\n").build(),
          TestPackage.builder("extra", "2-r0").arch(arch).builddate(1_700_000_000L).file("etc/extra", "extra\n").build());
    }
    repo.write(tmp.resolve("proj/mirror/main"));
    Path key = TestKeys.primary().writePublicKey(tmp.resolve("proj/keys"));
    profile = tmp.resolve("proj/image.yaml");
    Files.writeString(profile, """
        contents:
          repositories: [mirror/main]
          keyring: [keys/%s]
          packages: [base]
        archs: [x86_64]
        annotations:
          org.example.team: core
          org.example.kept: yes
        """.formatted(key.getFileName()));
  }

  private Processes.Output build(String... extra) {
    List<String> args = new ArrayList<>(List.of("build", profile.toString(), "-o", tmp.resolve("out.tar").toString(),
        "--cache-dir", tmp.resolve("cache").toString(), "-q"));
    args.addAll(List.of(extra));
    return Processes.apkimg(args);
  }

  @Test
  void packageAppendInstallsMorePackages() throws IOException {
    build("-p", "extra", "--package-append", "extra>=2").assertSuccess();
    assertThat(ImageReader.read(tmp.resolve("out.tar")).get("etc/extra").text()).isEqualTo("extra\n");

    Processes.Output none = build();
    none.assertSuccess();
    assertThat(ImageReader.read(tmp.resolve("out.tar")).layer()).doesNotContainKey("etc/extra");
  }

  @Test
  void aMalformedPackageAppendIsAUsageError() {
    Processes.Output r = build("-p", "extra>=");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err().lines().findFirst().orElseThrow())
        .isEqualTo("--package-append: missing version after '>=' in 'extra>='");
  }

  @Test
  void annotationsFromTheCommandLineWinOverTheProfilesOnManifestAndIndex() throws IOException {
    build("--annotations", "org.example.team=platform", "--annotations", "org.opencontainers.image.title:demo=1",
        "--arch", "x86_64,aarch64").assertSuccess(); // two platforms: an image index with annotations of its own
    Archive a = Archive.read(tmp.resolve("out.tar"));
    for (JsonNode annotations : List.of(a.manifests().get(0).path("annotations"), a.index().path("annotations"))) {
      assertThat(annotations.path("org.example.team").asText()).isEqualTo("platform");
      assertThat(annotations.path("org.example.kept").asText()).isEqualTo("yes");
      // apko's KEY:VALUE: split at the first ':' or '=' (neither may be in a key)
      assertThat(annotations.path("org.opencontainers.image.title").asText()).isEqualTo("demo=1");
    }
  }

  @Test
  void malformedAnnotationsAreUsageErrorsInOneLine() {
    for (String[] bad : List.of(new String[] {"novalue", "is not KEY=VALUE"},
        new String[] {"Org.X=1", "may hold only a-z, 0-9"}, new String[] {"a.b=", "a.b has an empty value"})) {
      Processes.Output r = build("--annotations", bad[0]);
      assertThat(r.code()).as(r.toString()).isEqualTo(2);
      assertThat(r.err()).contains("--annotations").contains(bad[1]);
    }
    Processes.Output twice = build("--annotations", "a=1", "--annotations", "a:2");
    assertThat(twice.code()).isEqualTo(2);
    assertThat(twice.err()).contains("--annotations a is given more than once");
  }

  @Test
  void vcsAnnotatesTheOriginWithoutCredentialsAndTheCheckedOutCommit() throws IOException {
    String commit = "0123456789abcdef0123456789abcdef01234567";
    Path git = Files.createDirectories(tmp.resolve("proj/.git/refs/heads"));
    Files.writeString(git.resolve("main"), commit + "\n");
    Files.writeString(tmp.resolve("proj/.git/HEAD"), "ref: refs/heads/main\n");
    Files.writeString(tmp.resolve("proj/.git/config"), """
        [core]
        \tbare = false
        [remote "upstream"]
        \turl = https://example.com/wrong.git
        [remote "origin"]
        \turl = https://user:s3cret@git.example.com/team/images.git
        \tfetch = +refs/heads/*:refs/remotes/origin/*
        """);

    build("--vcs").assertSuccess();
    JsonNode annotations = Archive.read(tmp.resolve("out.tar")).manifests().get(0).path("annotations");
    assertThat(annotations.path("org.opencontainers.image.source").asText())
        .isEqualTo("https://git.example.com/team/images.git");
    assertThat(annotations.path("org.opencontainers.image.revision").asText()).isEqualTo(commit);
    assertThat(new String(Files.readAllBytes(tmp.resolve("out.tar")), StandardCharsets.ISO_8859_1))
        .doesNotContain("s3cret");

    // without --vcs, nothing is read from the checkout
    build().assertSuccess();
    assertThat(Archive.read(tmp.resolve("out.tar")).manifests().get(0).path("annotations")
        .has("org.opencontainers.image.revision")).isFalse();

    // the profile's own vcs-url wins, as in apko
    Files.writeString(profile, Files.readString(profile) + "vcs-url: https://example.com/own@abc123\n");
    build("--vcs").assertSuccess();
    assertThat(Archive.read(tmp.resolve("out.tar")).manifests().get(0).path("annotations")
        .path("org.opencontainers.image.revision").asText()).isEqualTo("abc123");
  }

  @Test
  void vcsOutsideAGitCheckoutWarnsAndBuilds() {
    Processes.Output r = build("--vcs");
    r.assertSuccess();
    // The temporary folder is not inside a checkout, unless the tests' temp dir is (then it is found).
    // The test image has no etc/os-release: that warning is not the one looked for here.
    String err = r.err().lines().filter(l -> !l.contains("etc/os-release")).collect(java.util.stream.Collectors.joining("\n"));
    boolean inCheckout = dev.apkimg.profile.GitCheckout.probe(profile).vcsUrl() != null;
    if (inCheckout) {
      assertThat(err).isEmpty();
    } else {
      assertThat(err).contains("apkimg: warning: ").contains("no source or revision annotations from a git checkout");
    }
  }

  @Test
  void archHostBuildsThisMachinesArchitecture() throws IOException {
    Arch host = Arch.host().orElseThrow();
    build("--arch", "host").assertSuccess();
    Archive a = Archive.read(tmp.resolve("out.tar"));
    assertThat(a.platforms()).containsExactly(host.platform());
  }

  @Test
  void archAllBuildsEveryArchitectureApkimgKnows() throws IOException {
    build("--arch", "all").assertSuccess();
    assertThat(Archive.read(tmp.resolve("out.tar")).platforms())
        .containsExactlyInAnyOrderElementsOf(Arch.KNOWN.stream().map(Arch::platform).toList());
  }

  @Test
  void archListBuildsThoseArchitectures() throws IOException {
    build("--arch", "aarch64,amd64").assertSuccess();
    assertThat(Archive.read(tmp.resolve("out.tar")).platforms())
        .containsExactlyInAnyOrder("linux/arm64", "linux/amd64");
  }

  @Test
  void resolveReadsOneArchitectureAndSaysSoForAll() {
    Processes.Output r = Processes.apkimg(List.of("resolve", profile.toString(), "--arch", "all",
        "--cache-dir", tmp.resolve("cache").toString()));
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("'all' names 9 architectures: this command reads one");
  }

  /** An OCI archive's top index (index.json's first entry) and its platforms' manifests. */
  record Archive(JsonNode index, List<JsonNode> manifests, List<String> platforms) {
    static Archive read(Path tar) throws IOException {
      Map<String, byte[]> files = new HashMap<>();
      try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(tar))) {
        for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
          if (e.isFile()) {
            files.put(e.getName().replaceFirst("^\\./", ""), in.readAllBytes());
          }
        }
      }
      // several platforms: index.json -> an image index; one: index.json lists the manifest
      JsonNode index = JSON.readTree(files.get("index.json"));
      JsonNode top = index.path("manifests").get(0);
      if (top.path("mediaType").asText().endsWith("image.index.v1+json")) {
        index = JSON.readTree(files.get("blobs/" + top.path("digest").asText().replace(':', '/')));
      }
      List<JsonNode> manifests = new ArrayList<>();
      List<String> platforms = new ArrayList<>();
      for (JsonNode m : index.path("manifests")) {
        JsonNode manifest = JSON.readTree(files.get("blobs/" + m.path("digest").asText().replace(':', '/')));
        if (manifest.has("subject")) {
          continue; // an SBOM referrer
        }
        manifests.add(manifest);
        JsonNode p = m.has("platform") ? m.path("platform")
            : JSON.readTree(files.get("blobs/" + manifest.path("config").path("digest").asText().replace(':', '/')));
        platforms.add(p.path("os").asText() + "/" + p.path("architecture").asText()
            + (p.has("variant") ? "/" + p.path("variant").asText() : ""));
      }
      return new Archive(index, manifests, platforms);
    }
  }
}
