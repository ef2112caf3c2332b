package dev.apkimg.cli;

import static dev.apkimg.cli.Processes.exec;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.testing.Prerequisites;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue #11: the paths whose final state the stacked package layers do not give, on packages made
 * for the purpose and installed by the real apk-tools as the reference: a file that a package
 * {@code replaces} keeps although a later package's layer has it ({@code replaces} the other way
 * round), a file a later package does overwrite, a folder two packages ship with different modes
 * and owners, a hardlink, a setuid file, a sticky folder, a file of uid 1000 and a file capability
 * (security.capability). Layered by packages (and with a budget of 1), the image unpacked by
 * {@code umoci unpack} and exported by Docker must be apk-tools' tree, as {@link RootfsOracleIT}
 * compares; the single-layer image is the control.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LayeredEdgeCasesOracleIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long DATE = 1_700_000_000L;
  /** VFS_CAP_REVISION_2, effective, permitted CAP_NET_BIND_SERVICE: what {@code setcap cap_net_bind_service=ep} writes. */
  private static final byte[] NET_BIND_SERVICE = {1, 0, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  private static final byte[] TOOL = "#!/bin/sh\necho edge\n".getBytes(StandardCharsets.UTF_8);

  enum Layout {
    SINGLE(""),
    PACKAGES("layering: {strategy: packages}\n"),
    PACKAGES_BUDGET_1("layering: {strategy: packages, budget: 1}\n");

    final String profileText;

    Layout(String profileText) {
      this.profileText = profileText;
    }
  }

  record Built(Path oci, Path dockerArchive, String tag) {}

  @TempDir static Path tmp;

  private ApkOracle oracle;
  private Path repo;
  private Path key;
  private TreeSnapshot apk;
  private final Map<Layout, Built> built = new EnumMap<>(Layout.class);
  private final String repository = "apkimg-it/edge-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
  private final List<String> loadedTags = new ArrayList<>();
  private final List<String> containers = new ArrayList<>();

  /** In install order: each depends on the one before. */
  static List<TestPackage> packages() {
    TestPackage base = TestPackage.builder("edge-base", "1.0-r0").builddate(DATE)
        .replaces("edge-late") // so apk keeps base's srv/kept when edge-late, installed later, ships one too
        .dir("srv").dir("srv/shared")
        .file("srv/kept", "edge-base's, kept\n")
        .file("srv/overwritten", "edge-base's, overwritten by edge-over\n")
        .file("srv/owned", "uid 1000\n".getBytes(StandardCharsets.UTF_8), 0640, 1000, 1000)
        .dir("usr").dir("usr/bin")
        .file("usr/bin/tool", TOOL, 0755)
        .hardlink("usr/bin/tool-link", "usr/bin/tool")
        .file("usr/bin/suid", TOOL, 04755)
        .file("usr/bin/cap", TOOL, 0755).xattr("usr/bin/cap", "security.capability", NET_BIND_SERVICE)
        .dir("var").dir("var/drop", 01777)
        .dir("etc").symlink("etc/edge", "/srv")
        .build();
    TestPackage late = TestPackage.builder("edge-late", "1.0-r0").builddate(DATE + 100)
        .depends("edge-base")
        .dir("srv").dir("srv/shared", 0700, 1000, 1000)
        .file("srv/kept", "edge-late's, not installed: edge-base replaces edge-late\n")
        .build();
    TestPackage over = TestPackage.builder("edge-over", "1.0-r0").builddate(DATE + 200)
        .depends("edge-late")
        .replaces("edge-base")
        .dir("srv")
        .file("srv/overwritten", "edge-over's\n")
        .build();
    TestPackage app = TestPackage.builder("edge-app", "1.0-r0").builddate(DATE + 300)
        .depends("edge-over")
        .dir("srv").file("srv/app.conf", "answer=42\n")
        .build();
    return List.of(base, late, over, app);
  }

  @BeforeAll
  void setUp() throws Exception {
    oracle = ApkOracle.create(tmp);
    Prerequisites.requireCommand("skopeo");
    Prerequisites.requireCommand("umoci");
    TestRepository repository = new TestRepository(TestKeys.primary());
    packages().forEach(repository::add);
    repo = tmp.resolve("repo");
    repository.write(repo);
    Path keys = repository.writeKeys(Files.createDirectories(tmp.resolve("edge-keys"))).getParent();
    key = TestKeys.primary().writePublicKey(Files.createDirectories(tmp.resolve("edge-key")));
    apk = oracle.install(repo, keys, List.of("edge-app"), Files.createDirectories(tmp.resolve("oracle")));
    // What the packages are for: apk-tools' own tree says which file won.
    assertThat(new String(apk.contents().get("srv/kept"), StandardCharsets.UTF_8)).startsWith("edge-base's");
    assertThat(new String(apk.contents().get("srv/overwritten"), StandardCharsets.UTF_8)).startsWith("edge-over's");
    assertThat(apk.nodes().get("srv/shared").uid()).as("srv/shared: edge-base's folder, not edge-late's").isZero();
    assertThat(apk.nodes().get("usr/bin/cap").xattrs()).containsKey("security.capability");
    assertThat(apk.nodes().get("usr/bin/tool-link").hardlinks()).contains("usr/bin/tool");
  }

  @AfterAll
  void tearDown() throws Exception {
    Path docker = Prerequisites.findCommand("docker").orElse(null);
    if (docker != null) { // best effort: a failed test may not have made them
      for (String container : containers) {
        exec(tmp, docker.toString(), "rm", "--force", container);
      }
      for (String tag : loadedTags) {
        exec(tmp, docker.toString(), "image", "rm", "--force", tag);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void umociUnpackEqualsApkToolsTree(Layout layout) throws Exception {
    Built image = build(layout);
    JsonNode inspect = JSON.readTree(exec(tmp, "skopeo", "inspect", "oci-archive:" + image.oci()).assertSuccess().out());
    assertThat(inspect.path("Layers")).as("layers of the " + layout + " image").hasSize(switch (layout) {
      case SINGLE -> 1;
      case PACKAGES -> packages().size() + 1;
      case PACKAGES_BUDGET_1 -> 1 + 1 + 1; // the largest package, one layer for the rest, the top layer
    });
    Path work = Files.createTempDirectory(tmp, "umoci-" + layout);
    assertSameAsApk("umoci unpack of " + layout, ApkOracle.snapshot(umociUnpack(image, work), work), List.of());
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void dockerExportEqualsApkToolsTree(Layout layout) throws Exception {
    Path docker = Prerequisites.requireDockerDaemon();
    TreeSnapshot ours = dockerExport(docker, build(layout), Files.createTempDirectory(tmp, "export-" + layout));
    assertSameAsApk("docker export of " + layout, ours, LayeredImageOracleIT.DOCKER_EXPORT);
  }

  /** {@code umoci unpack} of the image's OCI archive into {@code dir}; returns the rootfs. */
  private static Path umociUnpack(Built image, Path dir) throws Exception {
    Files.createDirectories(dir);
    Path ociLayout = dir.resolve("oci");
    Path bundle = dir.resolve("bundle");
    exec(dir, "skopeo", "copy", "-q", "oci-archive:" + image.oci(), "oci:" + ociLayout + ":latest").assertSuccess();
    exec(dir, "umoci", "unpack", "--image", ociLayout + ":latest", bundle.toString()).assertSuccess();
    return bundle.resolve("rootfs");
  }

  /** The image's docker archive, loaded ({@code docker load}), then a container's tree ({@code docker create}, {@code docker export}). */
  private TreeSnapshot dockerExport(Path docker, Built image, Path work) throws Exception {
    if (!loadedTags.contains(image.tag())) {
      loadedTags.add(image.tag()); // from here on, a failure may leave the image behind: remove it at the end
      exec(tmp, docker.toString(), "load", "-i", image.dockerArchive().toString()).assertSuccess();
    }
    // The image has no shell and no command: create never runs one, it only makes the container's tree.
    String container = exec(work, docker.toString(), "create", "--network", "none", image.tag(), "/none")
        .assertSuccess().out().strip();
    containers.add(container);
    Path exported = Files.createTempFile(work, "export", ".tar");
    exec(work, docker.toString(), "export", "-o", exported.toString(), container).assertSuccess();
    try (InputStream in = Files.newInputStream(exported)) {
      return TreeSnapshot.of(TarStream.read(in));
    }
  }

  /**
   * The profile's {@code paths} change files that lie in package layers: a symlink over a file
   * (usr/bin/cap), an empty file over a file (srv/kept), new modes and owners on a file and a
   * folder (usr/bin/suid, srv/shared). apk-tools has no such step, so the reference is the
   * single-layer image, unpacked the same way: by umoci, and by Docker (whose own stubs are then
   * the same on both sides).
   */
  @Test
  void profilePathsOverPackageFilesUnpackAsInTheSingleLayerImage() throws Exception {
    String paths = """
        paths:
          - {type: symlink, path: /usr/bin/cap, source: /usr/bin/suid}
          - {type: empty-file, path: /srv/kept, permissions: 0o600}
          - {type: permissions, path: /usr/bin/suid, permissions: 0o755, uid: 1000, gid: 1000}
          - {type: directory, path: /srv/shared, permissions: 0o750, uid: 1000, gid: 1000}
        """;
    Built single = build("paths-single", paths);
    Built layered = build("paths-packages", paths + Layout.PACKAGES.profileText);
    Path work = Files.createTempDirectory(tmp, "paths");
    TreeSnapshot singleTree = ApkOracle.snapshot(umociUnpack(single, work.resolve("single")), work);
    TreeSnapshot layeredTree = ApkOracle.snapshot(umociUnpack(layered, work.resolve("layered")), work);
    assertThat(singleTree.nodes().get("usr/bin/cap").type()).isEqualTo("symlink");
    assertThat(singleTree.nodes().get("srv/kept").size()).isZero();
    assertThat(singleTree.nodes().get("srv/shared").mode()).isEqualTo(0750);
    assertThat(layeredTree.problems()).isEmpty();
    assertThat(layeredTree.differencesFrom(singleTree, (path, field, a, b) -> false))
        .as("umoci unpack: layered (ours) vs single layer (apk=)").isEmpty();

    Path docker = Prerequisites.requireDockerDaemon();
    TreeSnapshot singleExport = dockerExport(docker, single, work);
    TreeSnapshot layeredExport = dockerExport(docker, layered, work);
    assertThat(layeredExport.differencesFrom(singleExport, (path, field, a, b) -> false))
        .as("docker export: layered (ours) vs single layer (apk=)").isEmpty();
  }

  /**
   * A profile {@code paths} entry that replaces the file the other names of a hardlink group link
   * to: edge-base ships usr/bin/tool and usr/bin/tool-link, a hardlink to it, and the profile
   * makes usr/bin/tool a symlink. As on a file system, tool-link keeps the inode: a regular file
   * with the old content and mode. Package layers give that (the link's target is in edge-base's
   * layer below the top layer); the single layer too, see {@link
   * #singleLayerProfilePathOverTheTargetOfAHardlinkLeavesTheOtherNameAFile}.
   */
  @ParameterizedTest
  @EnumSource(value = Layout.class, names = {"PACKAGES", "PACKAGES_BUDGET_1"})
  void profilePathOverTheTargetOfAHardlinkLeavesTheOtherNameAFile(Layout layout) throws Exception {
    assertProfilePathOverTheTargetOfAHardlinkLeavesTheOtherNameAFile(layout);
  }

  /**
   * A profile {@code permissions} entry on the name a hardlink group's other names link to
   * (usr/bin/tool) changes the inode, so every name, as {@code chmod}/{@code chown} on a file
   * system. Checked in all layouts, unpacked by umoci.
   */
  @ParameterizedTest
  @EnumSource(Layout.class)
  void profilePermissionsOnTheLinkTargetApplyToEveryNameOfTheHardlinkGroup(Layout layout) throws Exception {
    assertPermissionsApplyToEveryName("usr/bin/tool", layout);
  }

  /**
   * A profile {@code permissions} entry on another name of a hardlink group ({@code {type:
   * permissions, path: /usr/bin/tool-link, permissions: 0o700, uid: 1000, gid: 1000}}, tool-link
   * being a hardlink to usr/bin/tool) changes the inode, so every name: extraction (GNU tar, umoci,
   * Docker) takes a hardlink's metadata from its target, so the layer must put the change on the
   * group's file entry (it did on the hardlink entry only, and the change was lost). Every layout.
   */
  @ParameterizedTest
  @EnumSource(Layout.class)
  void profilePermissionsOnAnotherNameApplyToEveryNameOfTheHardlinkGroup(Layout layout) throws Exception {
    assertPermissionsApplyToEveryName("usr/bin/tool-link", layout);
  }

  private void assertPermissionsApplyToEveryName(String path, Layout layout) throws Exception {
    String name = "chmod-" + path.replace('/', '-') + "-" + layout.name().toLowerCase(Locale.ROOT).replace('_', '-');
    Built image = build(name, """
        paths:
          - {type: permissions, path: /%s, permissions: 0o700, uid: 1000, gid: 1000}
        """.formatted(path) + layout.profileText);
    Path work = Files.createTempDirectory(tmp, name);
    TreeSnapshot tree = ApkOracle.snapshot(umociUnpack(image, work), work);
    for (String each : List.of("usr/bin/tool", "usr/bin/tool-link")) {
      TreeSnapshot.Node n = tree.nodes().get(each);
      assertThat(n.mode()).as(each + " mode").isEqualTo(0700);
      assertThat(n.uid()).as(each + " uid").isEqualTo(1000);
      assertThat(n.gid()).as(each + " gid").isEqualTo(1000);
      assertThat(n.hardlinks()).as(each + " hardlinks").containsExactly("usr/bin/tool", "usr/bin/tool-link");
    }
  }

  /**
   * {@code {type: symlink, path: /usr/bin/tool, source: /usr/bin/suid}} over the target of a
   * hardlink group in the single layer: usr/bin/tool-link must be written as a regular file with
   * the old content (where usr/bin/tool was in edge-base's entries), not as a hardlink to
   * usr/bin/tool, which would name nothing yet ({@code umoci unpack} failed: "unpack entry:
   * usr/bin/tool-link: link: no such file or directory") or, in order, the symlink.
   */
  @Test
  void singleLayerProfilePathOverTheTargetOfAHardlinkLeavesTheOtherNameAFile() throws Exception {
    assertProfilePathOverTheTargetOfAHardlinkLeavesTheOtherNameAFile(Layout.SINGLE);
  }

  private void assertProfilePathOverTheTargetOfAHardlinkLeavesTheOtherNameAFile(Layout layout) throws Exception {
    Built image = build("hardlinked-" + layout.name().toLowerCase(Locale.ROOT).replace('_', '-'), """
        paths:
          - {type: symlink, path: /usr/bin/tool, source: /usr/bin/suid}
        """ + layout.profileText);
    Path work = Files.createTempDirectory(tmp, "hardlinked-" + layout);
    TreeSnapshot tree = ApkOracle.snapshot(umociUnpack(image, work), work);
    assertThat(tree.nodes().get("usr/bin/tool").type()).isEqualTo("symlink");
    TreeSnapshot.Node link = tree.nodes().get("usr/bin/tool-link");
    assertThat(link.type()).isEqualTo("file");
    assertThat(link.mode()).isEqualTo(0755);
    assertThat(link.hardlinks()).isEmpty();
    assertThat(tree.contents().get("usr/bin/tool-link")).isEqualTo(TOOL);
    TreeSnapshot exported = dockerExport(Prerequisites.requireDockerDaemon(), image, work);
    assertThat(exported.nodes().get("usr/bin/tool-link")).isEqualTo(link);
  }

  /**
   * In every layout: hl-base ships usr/bin/tool and usr/bin/tool-link, a hardlink to it; hl-over,
   * installed later and {@code replaces: hl-base}, ships its own usr/bin/tool. apk-tools writes the
   * new usr/bin/tool as a new file, so usr/bin/tool-link keeps hl-base's content, alone, and
   * lib/apk/db/installed records that content's checksum for it. (apkimg wrote usr/bin/tool-link
   * as a hardlink to usr/bin/tool before the new usr/bin/tool, so {@code umoci unpack} failed;
   * package layers gave it hl-over's content; the database's Z: line was hl-over's.)
   */
  @ParameterizedTest
  @EnumSource(Layout.class)
  void aLaterPackagesFileOverAHardlinkTargetLeavesTheOtherNameWithTheOldContent(Layout layout) throws Exception {
    TestRepository repository = new TestRepository(TestKeys.primary());
    repository.add(
        TestPackage.builder("hl-base", "1.0-r0").builddate(DATE)
            .dir("usr").dir("usr/bin").file("usr/bin/tool", TOOL, 0755).hardlink("usr/bin/tool-link", "usr/bin/tool")
            .build(),
        TestPackage.builder("hl-over", "1.0-r0").builddate(DATE).depends("hl-base").replaces("hl-base")
            .dir("usr").dir("usr/bin").file("usr/bin/tool", "#!/bin/sh\necho hl-over\n".getBytes(StandardCharsets.UTF_8), 0755)
            .build());
    Path dir = Files.createDirectories(tmp.resolve("hl-" + layout));
    Path hlRepo = dir.resolve("repo");
    repository.write(hlRepo);
    Path keys = repository.writeKeys(Files.createDirectories(dir.resolve("keys"))).getParent();
    TreeSnapshot reference = oracle.install(hlRepo, keys, List.of("hl-over"), dir);
    assertThat(new String(reference.contents().get("usr/bin/tool-link"), StandardCharsets.UTF_8)).contains("echo edge");
    assertThat(reference.nodes().get("usr/bin/tool-link").hardlinks()).isEmpty();

    Built image = build("hl-" + layout.name().toLowerCase(Locale.ROOT).replace('_', '-'), hlRepo, "hl-over",
        layout.profileText);
    List<String> umoci = ApkOracle.differences("LayeredEdgeCasesOracleIT hardlink " + layout, reference,
        ApkOracle.snapshot(umociUnpack(image, dir.resolve("umoci")), dir), List.of());
    assertThat(umoci).as("umoci unpack vs apk-tools").isEmpty();
    List<String> docker = ApkOracle.differences("LayeredEdgeCasesOracleIT hardlink " + layout, reference,
        dockerExport(Prerequisites.requireDockerDaemon(), image, dir), LayeredImageOracleIT.DOCKER_EXPORT);
    assertThat(docker).as("docker export vs apk-tools").isEmpty();
  }

  /**
   * Layer limits: 110 packages with budget 100 (the maximum, {@code Layering.MAX_BUDGET}) give 100
   * package layers and the top layer, which Docker loads (its hard limit is 127 layers) and which
   * unpack, by umoci and by Docker, to apk-tools' tree; the 10 smallest packages' files are in the
   * top layer.
   */
  @Test
  void theLargestBudgetGivesAnImageDockerLoadsAndBothUnpackToApkToolsTree() throws Exception {
    TestRepository repository = new TestRepository(TestKeys.primary());
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 110; i++) {
      String name = String.format("many-%03d", i);
      names.add(name);
      // Sizes differ, so which packages the budget leaves out is decided by size, not by name.
      repository.add(TestPackage.builder(name, "1.0-r0").builddate(DATE)
          .dir("usr").dir("usr/share").dir("usr/share/many")
          .file("usr/share/many/" + name, (name + "\n").repeat(i + 1)).build());
    }
    repository.add(TestPackage.builder("many-all", "1.0-r0").builddate(DATE).depends(names.toArray(String[]::new))
        .build());
    Path dir = Files.createDirectories(tmp.resolve("many"));
    Path manyRepo = dir.resolve("repo");
    repository.write(manyRepo);
    Path keys = repository.writeKeys(Files.createDirectories(dir.resolve("keys"))).getParent();
    TreeSnapshot reference = oracle.install(manyRepo, keys, List.of("many-all"), dir);

    Built image = build("many", manyRepo, "many-all", "layering: {strategy: packages, budget: 100}\n");
    JsonNode inspect = JSON.readTree(exec(tmp, "skopeo", "inspect", "oci-archive:" + image.oci()).assertSuccess().out());
    assertThat(inspect.path("Layers")).as("100 package layers, one for the other 10 packages, the top layer")
        .hasSize(102);
    List<String> umoci = ApkOracle.differences("LayeredEdgeCasesOracleIT budget 100", reference,
        ApkOracle.snapshot(umociUnpack(image, dir.resolve("umoci")), dir), List.of());
    assertThat(umoci).as("umoci unpack vs apk-tools").isEmpty();
    List<String> docker = ApkOracle.differences("LayeredEdgeCasesOracleIT budget 100", reference,
        dockerExport(Prerequisites.requireDockerDaemon(), image, dir), LayeredImageOracleIT.DOCKER_EXPORT);
    assertThat(docker).as("docker export vs apk-tools").isEmpty();
  }

  /**
   * A documented difference from apk-tools (README, Security model): a package ships files below a
   * folder that an earlier package made a symlink to a folder (sl-base: lib64 -> usr/lib;
   * sl-files: lib64/, lib64/libfoo.so), as packages built before a usr merge do. apk-tools 2.14.4
   * installs it, writing through the symlink: lib64 stays a symlink and the file lands in usr/lib.
   * apkimg never writes an entry through a link (a layer's entry that did would land outside the
   * path it names, past the file-conflict check), so it refuses, in every layout, with one line
   * that names both packages and the path, says why, and what to do.
   */
  @Test
  void filesBelowASymlinkedFolderAreRefusedWhereApkToolsWritesThroughTheLink() throws Exception {
    TestRepository repository = new TestRepository(TestKeys.primary());
    repository.add(
        TestPackage.builder("sl-base", "1.0-r0").builddate(DATE)
            .dir("usr").dir("usr/lib").file("usr/lib/libbase.so", "base\n").symlink("lib64", "usr/lib").build(),
        TestPackage.builder("sl-files", "1.0-r0").builddate(DATE).depends("sl-base")
            .dir("lib64").file("lib64/libfoo.so", "foo, a larger file than the others\n").build());
    Path dir = Files.createDirectories(tmp.resolve("sl"));
    Path slRepo = dir.resolve("repo");
    repository.write(slRepo);
    Path keys = repository.writeKeys(Files.createDirectories(dir.resolve("keys"))).getParent();
    TreeSnapshot reference = oracle.install(slRepo, keys, List.of("sl-files"), dir);
    assertThat(reference.nodes().get("lib64").type()).isEqualTo("symlink");
    assertThat(reference.nodes()).containsKey("usr/lib/libfoo.so");

    for (Layout layout : Layout.values()) {
      Path profile = dir.resolve("sl-" + layout + ".yaml");
      Files.writeString(profile, """
          contents:
            repositories:
              - %s
            packages: [sl-files]
          archs: [x86_64]
          """.formatted(slRepo) + layout.profileText);
      Path out = dir.resolve(layout + ".tar");
      Processes.Output build = Processes.apkimg(List.of("build", profile.toString(), "-o", out.toString(),
          "-k", key.toString(), "--cache-dir", tmp.resolve("cache").toString(), "-q"));
      assertThat(build.code()).as("apkimg, " + layout + "; " + build).isEqualTo(1);
      assertThat(build.err().lines()).as("apkimg's error, " + layout).singleElement().asString()
          .contains("/lib64 is a symlink in sl-base-1.0-r0 and a directory in sl-files-1.0-r0")
          .contains("through the symlink (to usr/lib)").contains("apkimg never writes through a link")
          .contains("use a build of sl-files");
      assertThat(out).doesNotExist();
    }
  }

  /**
   * A package whose hardlink names a file that apk does not install because another package
   * {@code replaces} it. apk-tools 2.14.4 installs the rest, leaves the link out and fails
   * ("ERROR: edge-late-1.0-r0: srv/kept-link: no hard link target (srv/kept) in archive", exit 1);
   * apkimg refuses too (it built the image, with srv/kept-link a second name of edge-base's
   * srv/kept), in one line naming the package, the link, its target and the package that keeps it.
   */
  @Test
  void aHardlinkToAFileThatReplacesKeptOutIsRefusedAsApkToolsRefusesIt() throws Exception {
    TestRepository repository = new TestRepository(TestKeys.primary());
    repository.add(
        TestPackage.builder("edge-base", "1.0-r0").builddate(DATE).replaces("edge-late")
            .dir("srv").file("srv/kept", "edge-base's\n").build(),
        TestPackage.builder("edge-late", "1.0-r0").builddate(DATE).depends("edge-base")
            .dir("srv").file("srv/kept", "edge-late's\n").hardlink("srv/kept-link", "srv/kept").build());
    Path dir = Files.createDirectories(tmp.resolve("hardlink"));
    Path hardlinkRepo = dir.resolve("repo");
    repository.write(hardlinkRepo);
    Path keys = repository.writeKeys(Files.createDirectories(dir.resolve("keys"))).getParent();

    Processes.Output apkTools = oracle.run(hardlinkRepo, keys, List.of("edge-late"), dir);
    assertThat(apkTools.code()).as("apk-tools; " + apkTools).isEqualTo(1);
    assertThat(apkTools.err()).contains("srv/kept-link: no hard link target (srv/kept) in archive");

    Path profile = dir.resolve("hardlink.yaml");
    Files.writeString(profile, """
        contents:
          repositories:
            - %s
          packages: [edge-late]
        archs: [x86_64]
        """.formatted(hardlinkRepo));
    for (String layering : List.of("single", "packages")) {
      Processes.Output build = Processes.apkimg(List.of("build", profile.toString(), "-o",
          dir.resolve(layering + ".tar").toString(), "--layering", layering, "-k", key.toString(),
          "--cache-dir", tmp.resolve("cache").toString(), "-q"));
      assertThat(build.code()).as("apkimg --layering " + layering + "; " + build).isEqualTo(1);
      assertThat(build.err().lines()).as("apkimg's error").singleElement().asString()
          .contains("edge-late-1.0-r0").contains("/srv/kept-link is a hardlink to /srv/kept")
          .contains("edge-base-1.0-r0 replaces edge-late and keeps its own /srv/kept")
          .contains("apk-tools refuses this too");
    }
  }

  private void assertSameAsApk(String label, TreeSnapshot ours, List<ApkOracle.Exemption> more) throws Exception {
    List<String> differences = ApkOracle.differences("LayeredEdgeCasesOracleIT " + label, apk, ours, more);
    assertThat(differences)
        .withFailMessage(() -> differences.size() + " difference(s) between apk-tools' tree and the " + label
            + " (path: field apk=... ours=...):\n  " + String.join("\n  ", differences))
        .isEmpty();
  }

  private Built build(Layout layout) throws Exception {
    Built b = built.get(layout);
    if (b == null) {
      b = build(layout.name().toLowerCase(Locale.ROOT).replace('_', '-'), layout.profileText);
      built.put(layout, b);
    }
    return b;
  }

  /** The edge packages' image, with {@code profileText} added to the profile, as an OCI and a docker archive. */
  private Built build(String name, String profileText) throws Exception {
    return build(name, repo, "edge-app", profileText);
  }

  /** The image of {@code world} from the repository folder {@code from} (signed by TestKeys.primary()). */
  private Built build(String name, Path from, String world, String profileText) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("build-" + name));
    Path profile = dir.resolve("edge.yaml");
    Files.writeString(profile, """
        contents:
          repositories:
            - %s
          packages: [%s]
        archs: [x86_64]
        """.formatted(from, world) + profileText);
    String tag = repository + ":" + name;
    Path oci = dir.resolve("oci.tar");
    Path dockerArchive = dir.resolve("docker.tar");
    List<String> common = List.of("-k", key.toString(), "--cache-dir", tmp.resolve("cache").toString(),
        "--tag", tag, "-q");
    List<String> ociBuild = new ArrayList<>(List.of("build", profile.toString(), "-o", oci.toString()));
    ociBuild.addAll(common);
    Processes.apkimg(ociBuild).assertSuccess();
    List<String> dockerBuild = new ArrayList<>(List.of("build", profile.toString(), "-o", dockerArchive.toString(),
        "--format", "docker"));
    dockerBuild.addAll(common);
    Processes.apkimg(dockerBuild).assertSuccess();
    return new Built(oci, dockerArchive, tag);
  }
}
