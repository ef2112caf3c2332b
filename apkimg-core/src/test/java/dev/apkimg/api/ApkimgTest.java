package dev.apkimg.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.apkimg.ApkimgException;
import dev.apkimg.Hint;
import dev.apkimg.image.PlatformImage;
import dev.apkimg.image.RootfsImage;
import dev.apkimg.profile.ImageProfile;
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
 * The pipeline's behaviour through the library API, as a Gradle plugin or another tool would
 * see it: profiles in memory, the base-then-publish path, lockfiles, and errors that carry a
 * {@link Hint} instead of a front end's flag.
 */
class ApkimgTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;
  private Path dir;
  private final List<BuildEvent> events = new ArrayList<>();
  private final BuildListener listener = events::add;
  private final Apkimg apkimg = Apkimg.create();

  @BeforeEach
  void repository() throws IOException {
    dir = tmp.resolve("project");
    Files.createDirectories(dir);
    TestKeys.primary().writePublicKey(dir.resolve("keys"));
    TestRepository repo = new TestRepository(TestKeys.primary());
    for (String arch : List.of("x86_64", "aarch64")) {
      repo.add(TestPackage.builder("hello", "1.0-r0").arch(arch).builddate(1_700_000_000L)
          .dir("usr").dir("usr/bin").file("usr/bin/hello", ("hello " + arch + "\n").getBytes(StandardCharsets.UTF_8), 0755)
          .build());
    }
    repo.write(dir.resolve("mirror/main"));
  }

  private Path profile(String name, String archs) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, """
        contents:
          repositories: [mirror/main]
          keyring: [keys]
          packages: [hello]
        archs: %s
        entrypoint: {command: /usr/bin/hello}
        stop-signal: SIGQUIT
        annotations: {org.example.team: core}
        vcs-url: https://example.com/repo@abc123
        """.formatted(archs));
    return p;
  }

  private BuildRequest.Builder request(Path profile) {
    return BuildRequest.builder(profile).cacheDir(tmp.resolve("cache"));
  }

  private static Outputs archive(Path file, Path metadata) {
    return Outputs.builder().ociArchive(file).metadataFile(metadata).build();
  }

  private static ObjectNode metadataWithoutArchive(Path file) throws IOException {
    ObjectNode json = (ObjectNode) JSON.readTree(file.toFile());
    json.remove("archive");
    return json;
  }

  @Test
  void aProfileInMemoryBuildsTheImageItsFileWouldWithNoFileWritten() throws IOException {
    Path file = profile("base.yaml", "[x86_64]");
    BuildResult fromFile = apkimg.build(request(file).imageReference("base:1")
        .outputs(archive(tmp.resolve("a.tar"), tmp.resolve("a.json"))).build(), listener);

    ImageProfile inMemory = dev.apkimg.profile.ProfileLoader.load(file);
    Path empty = tmp.resolve("elsewhere");
    Files.createDirectories(empty);
    try (var before = Files.list(dir)) {
      long filesBefore = before.count();
      BuildResult fromMemory = apkimg.build(BuildRequest.builder(inMemory, dir).cacheDir(tmp.resolve("cache"))
          .imageReference("base:1").outputs(archive(tmp.resolve("b.tar"), tmp.resolve("b.json"))).build(), listener);
      assertThat(fromMemory.digest()).isEqualTo(fromFile.digest());
      try (var after = Files.list(dir)) {
        assertThat(after.count()).as("files written beside the profile's folder").isEqualTo(filesBefore);
      }
    }
    assertThat(metadataWithoutArchive(tmp.resolve("b.json"))).isEqualTo(metadataWithoutArchive(tmp.resolve("a.json")));
  }

  @Test
  void aBaseWithLayersAddedIsPublishedOnTheBuildsPathWithTheProfilesAnnotationsAndTheSameSchema() throws IOException {
    Path file = profile("base.yaml", "[x86_64, aarch64]");
    BuildResult built = apkimg.build(request(file).imageReference("base:1")
        .outputs(archive(tmp.resolve("built.tar"), tmp.resolve("built.json"))).build(), listener);

    BuildRequest request = request(file).imageReference("base:1")
        .outputs(archive(tmp.resolve("published.tar"), tmp.resolve("published.json"))).build();
    Path work = tmp.resolve("work");
    BaseImage base = apkimg.buildBase(request, work, listener);
    assertThat(base.platforms()).extracting(BaseImage.Platform::arch).containsExactly("x86_64", "aarch64");
    assertThat(base.annotations()).containsEntry("org.example.team", "core")
        .containsEntry("org.opencontainers.image.source", "https://example.com/repo")
        .containsEntry("org.opencontainers.image.revision", "abc123");
    List<PlatformImage> images = new ArrayList<>();
    for (BaseImage.Platform p : base.platforms()) {
      RootfsImage rootfs = RootfsImage.create(p.layer(), p.config(), work.resolve("image-" + p.arch()));
      images.add(PlatformImage.build(rootfs, rootfs.containerBuilder(), base.annotations()));
    }
    BuildResult published = apkimg.publish(base, images, request, listener);

    // Nothing added: the very image build() makes, in the same metadata schema.
    assertThat(published.digest()).isEqualTo(built.digest());
    assertThat(metadataWithoutArchive(tmp.resolve("published.json")))
        .isEqualTo(metadataWithoutArchive(tmp.resolve("built.json")));
    assertThat(images.get(0).config().stopSignal()).isEqualTo("SIGQUIT");
    assertThat(events).filteredOn(e -> e instanceof BuildEvent.Wrote).hasSize(2);
  }

  @Test
  void lockPinsEveryArchAndABuildInstallsThePinsWithoutReadingAnIndex() throws IOException {
    Path file = profile("base.yaml", "[x86_64, aarch64]");
    LockResult lock = apkimg.lock(request(file).build(), null, listener);
    assertThat(lock.file()).isEqualTo(dir.resolve("base.lock.json"));
    assertThat(lock.packages()).isEqualTo(Map.of("aarch64", 1, "x86_64", 1));

    Files.delete(dir.resolve("mirror/main/x86_64/APKINDEX.tar.gz"));
    Files.delete(dir.resolve("mirror/main/aarch64/APKINDEX.tar.gz"));
    events.clear();
    apkimg.build(request(file).outputs(archive(tmp.resolve("locked.tar"), null)).build(), listener);
    assertThat(events).filteredOn(e -> e instanceof BuildEvent.Pinned).hasSize(2);
    assertThat(events).filteredOn(e -> e instanceof BuildEvent.Fetching).extracting(BuildEvent::message)
        .containsExactly("fetching 1 packages for x86_64", "fetching 1 packages for aarch64");
    assertThat(events).noneMatch(e -> e instanceof BuildEvent.Resolved);

    Files.writeString(file, Files.readString(file).replace("SIGQUIT", "SIGTERM"));
    assertThatThrownBy(() -> apkimg.build(request(file).outputs(archive(tmp.resolve("stale.tar"), null)).build(), listener))
        .isInstanceOf(ApkimgException.class)
        .hasMessage("lockfile " + dir.resolve("base.lock.json") + " is stale: " + file + " has changed since it was locked")
        .extracting(e -> ((ApkimgException) e).hint()).isEqualTo(Hint.REFRESH_LOCKFILE);
    assertThat(tmp.resolve("stale.tar")).doesNotExist();
  }

  @Test
  void resolveNamesThePackagesAndTheirRepository() throws IOException {
    ResolveResult r = apkimg.resolve(request(profile("base.yaml", "[aarch64]")).build(), listener);
    assertThat(r.arch()).isEqualTo("aarch64");
    assertThat(r.packages()).extracting(ResolveResult.Package::name, ResolveResult.Package::version)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("hello", "1.0-r0"));
    assertThat(r.repositories()).containsExactly("mirror/main");
  }

  @Test
  void failuresThatASettingWouldFixCarryItsHintAndNameNoFlag() throws IOException {
    // an index signed with a key the keyring lacks
    Path other = tmp.resolve("other");
    new TestRepository(TestKeys.secondary())
        .add(TestPackage.builder("hello", "1.0-r0").builddate(1_700_000_000L).build()).write(other.resolve("main"));
    Path file = profile("base.yaml", "[x86_64]");
    BuildRequest untrustedKey = request(file).repositories(List.of(other.resolve("main").toString()))
        .outputs(archive(tmp.resolve("x.tar"), null)).build();
    assertHint(() -> apkimg.build(untrustedKey, listener), Hint.ADD_KEY);

    // an unsigned index: refused, or accepted with a warning when allowed
    new TestRepository(TestKeys.primary()).indexSignature(TestRepository.IndexSignature.UNSIGNED)
        .add(TestPackage.builder("hello", "1.0-r0").builddate(1_700_000_000L).build()).write(other.resolve("unsigned"));
    BuildRequest.Builder unsigned = request(file).repositories(List.of(other.resolve("unsigned").toString()))
        .outputs(archive(tmp.resolve("x.tar"), null));
    assertHint(() -> apkimg.build(unsigned.build(), listener), Hint.ALLOW_UNTRUSTED);
    apkimg.build(unsigned.allowUntrusted(true).build(), listener);
    // (the other warning here: the test image has no etc/os-release)
    assertThat(events).filteredOn(e -> e instanceof BuildEvent.Warning && !e.message().contains("os-release"))
        .singleElement()
        .satisfies(e -> assertThat(((BuildEvent.Warning) e).hint()).isEqualTo(Hint.ALLOW_UNTRUSTED))
        .satisfies(e -> assertThat(e.message()).contains("is not signed").doesNotContain("--"));

    // a Docker archive of two architectures; no output at all
    Path two = profile("two.yaml", "[x86_64, aarch64]");
    assertHint(() -> apkimg.build(request(two).outputs(Outputs.builder().dockerArchive(tmp.resolve("d.tar")).build())
        .build(), listener), Hint.ONE_ARCH);
    assertThat(tmp.resolve("d.tar")).doesNotExist();
    assertHint(() -> apkimg.build(request(two).build(), listener), Hint.NO_OUTPUT);
  }

  private static void assertHint(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, Hint hint) {
    assertThatThrownBy(call).isInstanceOf(ApkimgException.class)
        .satisfies(e -> assertThat(((ApkimgException) e).hint()).as(e.getMessage()).isEqualTo(hint))
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("--").doesNotContain(" -k "));
  }
}
