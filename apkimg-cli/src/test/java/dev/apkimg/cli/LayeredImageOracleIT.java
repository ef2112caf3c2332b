package dev.apkimg.cli;

import static dev.apkimg.cli.Processes.exec;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.profile.ProfileLoader;
import dev.apkimg.testing.LoopbackHttpServer;
import dev.apkimg.testing.Prerequisites;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue #11, first acceptance item: profiles/alpine-base.yaml built from the fixture mirror with
 * {@code layering: {strategy: packages}} (and with a budget of 3, below the package count) is, once
 * unpacked, apk-tools' root filesystem for the same world: unpacked by {@code umoci unpack}, and by
 * the Docker daemon ({@code docker load}, {@code docker create}, {@code docker export}), compared
 * with apk-oracle's tree as {@link RootfsOracleIT} compares, with the same exemptions
 * ({@link ApkOracle#EXEMPTIONS}); in a container, {@code apk audit --system} finds nothing and
 * {@code apk info -v} lists the packages the build installed. The single-layer image goes through
 * the same checks, as the control.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LayeredImageOracleIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path ALPINE_BASE = ProfilesTest.PROFILES.resolve("alpine-base.yaml");

  /**
   * What {@code docker create} changes in an image's tree, and so {@code docker export} shows: the
   * container's init layer (moby's daemon/initlayer) adds /.dockerenv, the marker that says "in a
   * container"; replaces the files that Docker bind-mounts its own over at run time with empty
   * mount points (mode 0755): /etc/hosts, /etc/hostname, /etc/resolv.conf (the container's names
   * and DNS) and /dev/console (the container's terminal; apk-tools' tree has the device node); and
   * makes the stubs /dev, /dev/pts, /dev/shm, /proc, /sys and /etc/mtab where the image has none
   * (alpine-baselayout ships them: then they are compared like any path). Nothing else is exempt.
   */
  static final List<ApkOracle.Exemption> DOCKER_EXPORT = List.of(
      new ApkOracle.Exemption(".dockerenv", Set.of("present"),
          "an empty file Docker's init layer adds to every container: the marker that it runs in Docker"),
      new ApkOracle.Exemption("etc/{hosts,hostname,resolv.conf}", Set.of("*"),
          "Docker's init layer makes an empty mount point: at run time Docker bind-mounts the container's own"),
      new ApkOracle.Exemption("dev/console", Set.of("*"),
          "Docker's init layer makes an empty mount point: at run time Docker bind-mounts the container's console"),
      new ApkOracle.Exemption("{dev,dev/pts,dev/shm,proc,sys,etc/mtab}", Set.of("present"),
          "a stub Docker's init layer makes where the image has none, for the mounts of a running container"));

  /**
   * The release files alpine-base.yaml adds with {@code files:}, as Alpine's minirootfs has them:
   * in Alpine 3.20 no package that apk-tools installs owns them (the minirootfs takes them from
   * alpine-base without installing it), so apk-tools' tree lacks them.
   */
  static final List<ApkOracle.Exemption> PROFILE_FILES = List.of(
      new ApkOracle.Exemption("etc/{alpine-release,issue,os-release,secfixes.d,secfixes.d/alpine}", Set.of("present"),
          "alpine-base.yaml's files: add Alpine's release files, which no installed package owns"));

  /** The image layouts compared; SINGLE is the control. */
  enum Layout {
    SINGLE(""),
    PACKAGES("layering: {strategy: packages}\n"),
    PACKAGES_BUDGET_3("layering: {strategy: packages, budget: 3}\n");

    final String profileText;

    Layout(String profileText) {
      this.profileText = profileText;
    }
  }

  /**
   * One layout built twice from the same cache, at the build's default date: an OCI archive (for
   * umoci) and a docker archive (for docker load); {@link #load} checks they hold the same layers.
   */
  record Built(Path oci, Path dockerArchive, String tag, JsonNode metadata) {}

  @TempDir static Path tmp;

  private ApkOracle oracle;
  private LoopbackHttpServer server;
  private List<String> world;
  private TreeSnapshot apk;
  private List<String> apkInstalled;
  private final Map<Layout, Built> built = new EnumMap<>(Layout.class);
  private final String repository = "apkimg-it/layered-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
  private final List<String> loadedTags = new ArrayList<>();
  private final List<String> containers = new ArrayList<>();

  @BeforeAll
  void setUp() throws Exception {
    oracle = ApkOracle.create(tmp);
    Prerequisites.requireCommand("skopeo");
    Prerequisites.requireCommand("umoci");
    server = LoopbackHttpServer.serve(oracle.fixtures().resolve("mirror"));
    world = ProfileLoader.load(ALPINE_BASE).contents().packages();
    assertThat(world).as("the world of " + ALPINE_BASE).contains("alpine-baselayout", "busybox", "apk-tools");
    apk = oracle.install(world, Files.createDirectories(tmp.resolve("oracle")));
    apkInstalled = ApkOracle.installedPackages(apk.contents().get("lib/apk/db/installed"));
    assertThat(apkInstalled).as("packages apk-tools installed").hasSizeGreaterThan(3);
  }

  @AfterAll
  void tearDown() throws Exception {
    try {
      Path docker = Prerequisites.findCommand("docker").orElse(null);
      if (docker != null) { // best effort: a failed test may not have made them
        for (String container : containers) {
          exec(tmp, docker.toString(), "rm", "--force", container);
        }
        for (String tag : loadedTags) {
          exec(tmp, docker.toString(), "image", "rm", "--force", tag);
        }
      }
    } finally {
      if (server != null) {
        server.close();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void umociUnpackEqualsApkToolsRootfs(Layout layout) throws Exception {
    Built image = build(layout);
    assertThat(layerDigests(image.oci())).as("layers of the " + layout + " image").hasSize(switch (layout) {
      case SINGLE -> 1;
      case PACKAGES -> apkInstalled.size() + 1; // one per package, then the top layer
      case PACKAGES_BUDGET_3 -> 3 + 1 + 1; // the three largest packages, one layer for the rest, the top layer
    });
    Path work = Files.createTempDirectory(tmp, "umoci-" + layout);
    Path ociLayout = work.resolve("oci");
    Path bundle = work.resolve("bundle");
    exec(work, "skopeo", "copy", "-q", "oci-archive:" + image.oci(), "oci:" + ociLayout + ":latest").assertSuccess();
    exec(work, "umoci", "unpack", "--image", ociLayout + ":latest", bundle.toString()).assertSuccess();
    assertSameAsApk("umoci unpack of " + layout, ApkOracle.snapshot(bundle.resolve("rootfs"), work), PROFILE_FILES);
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void dockerExportEqualsApkToolsRootfs(Layout layout) throws Exception {
    Path docker = Prerequisites.requireDockerDaemon();
    Built image = load(layout, docker);
    Path work = Files.createTempDirectory(tmp, "export-" + layout);
    String container = exec(work, docker.toString(), "create", "--network", "none", image.tag()).assertSuccess()
        .out().strip();
    containers.add(container);
    Path exported = work.resolve("export.tar");
    exec(work, docker.toString(), "export", "-o", exported.toString(), container).assertSuccess();
    TreeSnapshot ours;
    try (InputStream in = Files.newInputStream(exported)) {
      ours = TreeSnapshot.of(TarStream.read(in));
    }
    List<ApkOracle.Exemption> exempt = new ArrayList<>(DOCKER_EXPORT);
    exempt.addAll(PROFILE_FILES);
    assertSameAsApk("docker export of " + layout, ours, exempt);
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void apkAuditIsCleanAndApkInfoListsTheBuildsPackagesInAContainer(Layout layout) throws Exception {
    Path docker = Prerequisites.requireDockerDaemon();
    Built image = load(layout, docker);
    Processes.Output audit = exec(tmp, docker.toString(), "run", "--rm", "--network", "none",
        "--entrypoint", "/sbin/apk", image.tag(), "audit", "--system");
    assertThat(audit.code()).as("apk audit --system exit code; " + audit).isZero();
    assertThat(audit.out()).as("apk audit --system stdout (files apk finds changed or missing)").isEmpty();
    assertThat(audit.err()).as("apk audit --system stderr").isEmpty();

    Processes.Output info = exec(tmp, docker.toString(), "run", "--rm", "--network", "none",
        "--entrypoint", "/sbin/apk", image.tag(), "info", "-v").assertSuccess();
    // etc/apk/repositories names the profile's repository (-r is build-only), whose index apk never cached: a remark.
    assertThat(info.err().lines()).as("apk info -v stderr")
        .allMatch(l -> l.equals("WARNING: opening from cache https://dl-cdn.alpinelinux.org/alpine/v3.20/main: No such file or directory"));
    List<String> listed = info.out().lines().toList();
    List<String> resolved = new ArrayList<>();
    image.metadata().path("images").path(0).path("packages")
        .forEach(p -> resolved.add(p.path("name").asText() + "-" + p.path("version").asText()));
    assertThat(listed).as("apk info -v in the container vs the build's metadata file")
        .containsExactlyInAnyOrderElementsOf(resolved);
    assertThat(listed).as("apk info -v in the container vs apk-tools' install of the same world")
        .containsExactlyInAnyOrderElementsOf(apkInstalled);
  }

  private static void copyTree(Path from, Path to) throws java.io.IOException {
    try (java.util.stream.Stream<Path> paths = Files.walk(from)) {
      for (Path p : paths.sorted().toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  private void assertSameAsApk(String label, TreeSnapshot ours, List<ApkOracle.Exemption> more) throws Exception {
    List<String> differences = ApkOracle.differences("LayeredImageOracleIT " + label, apk, ours, more);
    assertThat(differences)
        .withFailMessage(() -> differences.size() + " difference(s) between apk-tools' rootfs and the " + label
            + " for " + world + " (path: field apk=... ours=...):\n  " + String.join("\n  ", differences))
        .isEmpty();
  }

  /** {@code layout}'s image, built once: alpine-base.yaml plus the layering, from the served mirror. */
  private Built build(Layout layout) throws Exception {
    Built b = built.get(layout);
    if (b != null) {
      return b;
    }
    Path dir = Files.createDirectories(tmp.resolve("build-" + layout));
    Path profile = dir.resolve("alpine-base.yaml");
    Files.writeString(profile, Files.readString(ALPINE_BASE) + layout.profileText);
    copyTree(ALPINE_BASE.resolveSibling("alpine-base"), dir.resolve("alpine-base")); // its files: sources
    String tag = repository + ":" + layout.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    Path oci = dir.resolve("oci.tar");
    Path dockerArchive = dir.resolve("docker.tar");
    Path metadata = dir.resolve("build.json");
    List<String> common = List.of("-r", server.url() + "v3.20/main", "-k", oracle.mirrorKey().toString(),
        "--cache-dir", tmp.resolve("cache").toString(), "--tag", tag, "-q");
    List<String> ociBuild = new ArrayList<>(List.of("build", profile.toString(), "-o", oci.toString(),
        "--metadata-file", metadata.toString()));
    ociBuild.addAll(common);
    Processes.apkimg(ociBuild).assertSuccess();
    List<String> dockerBuild = new ArrayList<>(List.of("build", profile.toString(), "-o", dockerArchive.toString(),
        "--format", "docker"));
    dockerBuild.addAll(common);
    Processes.apkimg(dockerBuild).assertSuccess();
    b = new Built(oci, dockerArchive, tag, JSON.readTree(metadata.toFile()));
    built.put(layout, b);
    return b;
  }

  /**
   * {@code layout}'s docker archive, loaded with {@code docker load}; Docker's layers (diff IDs) must
   * be the OCI archive's, so that the image Docker runs is the one umoci unpacks.
   */
  private Built load(Layout layout, Path docker) throws Exception {
    Built image = build(layout);
    if (!loadedTags.contains(image.tag())) {
      loadedTags.add(image.tag()); // from here on, a failure may leave the image behind: remove it at the end
      exec(tmp, docker.toString(), "load", "-i", image.dockerArchive().toString()).assertSuccess();
      JsonNode inspect = JSON.readTree(exec(tmp, docker.toString(), "image", "inspect", image.tag()).assertSuccess()
          .out()).get(0);
      List<String> dockerLayers = texts(inspect.path("RootFS").path("Layers"));
      JsonNode config = JSON.readTree(exec(tmp, "skopeo", "inspect", "--config", "oci-archive:" + image.oci())
          .assertSuccess().out());
      assertThat(dockerLayers).as("Docker's layers of " + image.tag() + " vs the OCI archive's diff_ids")
          .isEqualTo(texts(config.path("rootfs").path("diff_ids")));
    }
    return image;
  }

  private static List<String> layerDigests(Path oci) throws Exception {
    return texts(JSON.readTree(exec(tmp, "skopeo", "inspect", "oci-archive:" + oci).assertSuccess().out())
        .path("Layers"));
  }

  private static List<String> texts(JsonNode array) {
    List<String> r = new ArrayList<>();
    array.forEach(n -> r.add(n.asText()));
    return r;
  }
}
