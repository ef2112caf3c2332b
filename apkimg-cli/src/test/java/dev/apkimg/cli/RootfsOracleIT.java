package dev.apkimg.cli;

import static dev.apkimg.cli.Processes.exec;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.cli.TreeSnapshot.Difference;
import dev.apkimg.testing.LoopbackHttpServer;
import dev.apkimg.testing.Prerequisites;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #4, fidelity acceptance: for the 14 packages of ../shared's v3.20 mirror, each alone and
 * all together, the image's layer must be the tree that the real apk-tools installs
 * (../shared/tools/apk-oracle), field by field, outside the {@link #EXEMPTIONS documented
 * exceptions}. Then, in the image itself (chroot), apk must find its database consistent and be
 * able to add a package on top of it.
 *
 * <p>Both sides are compared as tar streams with a byte-exact reader ({@link TarStream}): our layer
 * as written, apk's tree as GNU tar archives it ({@code --xattrs --xattrs-include='*'
 * --numeric-owner}), so owners, modes, device numbers, hardlinks and every xattr namespace are read
 * exactly, with no extraction in between that could lose or add anything.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RootfsOracleIT {
  static final List<String> PACKAGES = List.of("alpine-baselayout", "alpine-baselayout-data", "alpine-keys",
      "apk-tools", "busybox", "busybox-binsh", "ca-certificates-bundle", "libcrypto3", "libssl3", "musl",
      "musl-utils", "scanelf", "ssl_client", "zlib");

  /**
   * A documented exception: differences in {@code fields} ("*" = all) of paths matching {@code glob}.
   * With {@code scriptLines}, a content difference is exempt only if it consists of exactly the lines
   * that pattern matches (what a script we do not run added), so anything else still fails.
   */
  record Exemption(String glob, Set<String> fields, Pattern scriptLines, String reason) {
    Exemption(String glob, Set<String> fields, String reason) {
      this(glob, fields, null, reason);
    }

    boolean covers(String path, String field, byte[] apk, byte[] ours) {
      PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + glob);
      if (!(fields.contains("*") || fields.contains(field)) || !m.matches(Path.of(path))) {
        return false;
      }
      return scriptLines == null
          || (apk != null && ours != null && withoutScriptLines(apk).equals(withoutScriptLines(ours)));
    }

    private List<String> withoutScriptLines(byte[] content) {
      return new String(content, StandardCharsets.UTF_8).lines()
          .filter(l -> !scriptLines.matcher(l).matches()).toList();
    }
  }

  /** The ONLY differences allowed between apk's rootfs and ours; each says why. */
  static final List<Exemption> EXEMPTIONS = List.of(
      new Exemption(".", Set.of("*"),
          "the root itself: apk-oracle's OUT is made by mkdir, an image's / by the container runtime"),
      new Exemption("etc/apk/repositories", Set.of("present"),
          "apkimg names the build's repositories on purpose (apk-oracle installs with -X only)"),
      new Exemption("etc/apk/keys", Set.of("present"),
          "holds the keys apkimg adds on purpose; apk makes it only when a package (alpine-keys) ships it"),
      new Exemption("etc/apk/keys/*", Set.of("present"),
          "apkimg adds the keys that verified the build on purpose (apk-oracle passes --keys-dir)"),
      new Exemption("etc/{passwd,group,shadow}", Set.of("content"), Pattern.compile("klogd:.*"),
          "script not run: busybox.post-install's addgroup/adduser klogd add these lines"),
      new Exemption("etc/{passwd,group,shadow}-", Set.of("present"),
          "scripts not run: busybox's adduser/addgroup leave these backups"),
      new Exemption("lib/apk/db/scripts.tar", Set.of("content"),
          "compared entry by entry (names, modes, owners, contents) in scriptsDifferences: header bytes"
              + " such as mtime, uname and the ustar/GNU magic may differ and apk never reads them"));

  @TempDir static Path tmp;

  private Path fixtures;
  private Path oracle;
  private Path oracleKeys;
  private Path keyFile;
  private LoopbackHttpServer server;

  @BeforeAll
  void setUp() throws IOException {
    Prerequisites.requireRoot(); // apk-oracle chroots and bind-mounts; extraction keeps owners and devices
    fixtures = Prerequisites.requireSharedFixtures();
    oracle = fixtures.getParent().resolve("tools/apk-oracle");
    Prerequisites.require(Files.isExecutable(oracle), oracle + " not executable");
    Prerequisites.requireCommand("tar");
    Prerequisites.requireCommand("chroot");
    keyFile = fixtures.resolve("keys/apkimg-test.rsa.pub");
    // apk-oracle bind-mounts a keys folder: give it one holding only the mirror's key.
    oracleKeys = Files.createDirectories(tmp.resolve("oracle-keys"));
    Files.copy(keyFile, oracleKeys.resolve(keyFile.getFileName()));
    server = LoopbackHttpServer.serve(fixtures.resolve("mirror"));
  }

  @AfterAll
  void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  @TestFactory
  Stream<DynamicTest> rootfsEqualsApkOracles() {
    List<List<String>> worlds = new ArrayList<>();
    PACKAGES.forEach(p -> worlds.add(List.of(p)));
    worlds.add(PACKAGES);
    return worlds.stream().map(world -> DynamicTest.dynamicTest(
        world.size() == 1 ? world.get(0) : "all " + world.size() + " packages", () -> assertSameAsApk(world)));
  }

  private void assertSameAsApk(List<String> world) throws Exception {
    Path work = Files.createTempDirectory(tmp, String.join("+", world.subList(0, 1)));
    TreeSnapshot ours = TreeSnapshot.of(TarStream.read(new GZIPInputStream(
        new ByteArrayInputStream(layerOf(build(world, work))))));

    Path apkRoot = work.resolve("apk-root");
    List<String> install = new ArrayList<>(List.of(oracle.toString(), "install",
        fixtures.resolve("mirror/v3.20/main").toString(), "x86_64", oracleKeys.toString(), apkRoot.toString()));
    install.addAll(world);
    exec(work, install.toArray(String[]::new)).assertSuccess();
    TreeSnapshot apk = TreeSnapshot.of(archive(apkRoot, work));

    List<String> differences = new ArrayList<>(ours.problems());
    // Exempted differences are printed, so a stale or too-wide exception shows in the log.
    ours.differencesFrom(apk, (path, field, a, o) -> exempted(world, path, field, a, o))
        .forEach(d -> differences.add(d.toString()));
    scriptsDifferences(apk, ours).forEach(d -> differences.add(d.toString()));
    assertThat(differences)
        .withFailMessage(() -> differences.size() + " difference(s) between apk-tools' rootfs and apkimg's for "
            + world + " (path: field apk=... ours=...):\n  " + String.join("\n  ", differences))
        .isEmpty();
  }

  private static boolean exempted(List<String> world, String path, String field, byte[] apk, byte[] ours) {
    return EXEMPTIONS.stream().filter(e -> e.covers(path, field, apk, ours)).findFirst().map(e -> {
      System.out.println("RootfsOracleIT " + (world.size() == 1 ? world.get(0) : "all") + ": exempted " + path + ": "
          + field + " (" + e.reason() + ")");
      return true;
    }).orElse(false);
  }

  /**
   * lib/apk/db/scripts.tar member by member: the same names, and for each the same mode, owner and
   * bytes. Order and the other header fields are printed for information only (apk reads a member's
   * name and contents, nothing else).
   */
  static List<Difference> scriptsDifferences(TreeSnapshot apk, TreeSnapshot ours) throws IOException {
    String db = "lib/apk/db/scripts.tar";
    byte[] a = apk.contents().get(db);
    byte[] o = ours.contents().get(db);
    if (a == null || o == null) {
      return List.of(); // presence is already a difference of the tree
    }
    Map<String, TarStream.Entry> am = byName(TarStream.read(new ByteArrayInputStream(a)));
    Map<String, TarStream.Entry> om = byName(TarStream.read(new ByteArrayInputStream(o)));
    List<Difference> out = new ArrayList<>();
    TreeSet<String> names = new TreeSet<>(am.keySet());
    names.addAll(om.keySet());
    for (String name : names) {
      TarStream.Entry x = am.get(name);
      TarStream.Entry y = om.get(name);
      String where = db + "!" + name;
      if (x == null || y == null) {
        out.add(new Difference(where, "present", x == null ? "absent" : "present", y == null ? "absent" : "present"));
        continue;
      }
      check(out, where, "type", x.type(), y.type());
      check(out, where, "mode", Integer.toOctalString(x.mode()), Integer.toOctalString(y.mode()));
      check(out, where, "uid", x.uid(), y.uid());
      check(out, where, "gid", x.gid(), y.gid());
      check(out, where, "content", TreeSnapshot.sha256(x.content()), TreeSnapshot.sha256(y.content()));
      info(where, "mtime", x.mtime(), y.mtime());
      info(where, "uname:gname", x.uname() + ":" + x.gname(), y.uname() + ":" + y.gname());
      info(where, "header format", x.format(), y.format());
      info(where, "PAX records", x.pax().keySet(), y.pax().keySet());
    }
    info(db, "member order", List.copyOf(am.keySet()), List.copyOf(om.keySet()));
    return out;
  }

  private static Map<String, TarStream.Entry> byName(List<TarStream.Entry> entries) {
    Map<String, TarStream.Entry> m = new LinkedHashMap<>();
    entries.forEach(e -> m.put(e.name(), e));
    return m;
  }

  private static void check(List<Difference> out, String path, String field, Object apk, Object ours) {
    if (!Objects.equals(apk, ours)) {
      out.add(new Difference(path, field, String.valueOf(apk), String.valueOf(ours)));
    }
  }

  private static void info(String path, String field, Object apk, Object ours) {
    if (!Objects.equals(apk, ours)) {
      System.out.println("RootfsOracleIT (info, not compared): " + new Difference(path, field,
          String.valueOf(apk), String.valueOf(ours)));
    }
  }

  /** Builds {@code world} with apkimg from the served mirror; returns the OCI archive. */
  private Path build(List<String> world, Path work) throws IOException {
    Path profile = work.resolve("image.yaml");
    Files.writeString(profile, """
        contents:
          repositories:
            - %sv3.20/main
          packages: [%s]
        archs: [x86_64]
        """.formatted(server.url(), String.join(", ", world)));
    Path out = work.resolve("image.tar");
    Processes.apkimg(List.of("build", profile.toString(), "-o", out.toString(), "-k", keyFile.toString(),
        "--cache-dir", tmp.resolve("cache").toString(), "-q")).assertSuccess();
    return out;
  }

  /** The gzipped bytes of the image's one layer: index.json -> manifest -> layers[0]. */
  static byte[] layerOf(Path ociArchive) throws IOException {
    Map<String, byte[]> files = new LinkedHashMap<>();
    try (InputStream in = Files.newInputStream(ociArchive)) {
      TarStream.read(in).forEach(e -> files.put(TreeSnapshot.normalize(e.name()), e.content()));
    }
    ObjectMapper json = new ObjectMapper();
    JsonNode manifests = json.readTree(files.get("index.json")).path("manifests");
    assertThat(manifests).as("manifests in index.json").hasSize(1);
    JsonNode layers = json.readTree(blob(files, manifests.get(0).path("digest").asText())).path("layers");
    assertThat(layers).as("layers in the manifest").hasSize(1);
    return blob(files, layers.get(0).path("digest").asText());
  }

  private static byte[] blob(Map<String, byte[]> files, String digest) {
    byte[] b = files.get("blobs/" + digest.replace(':', '/'));
    assertThat(b).as("blob " + digest + " in the archive").isNotNull();
    return b;
  }

  /** apk's tree as GNU tar records it: every xattr namespace, numeric owners, hardlinks, devices. */
  private static List<TarStream.Entry> archive(Path root, Path work) throws Exception {
    Path tar = work.resolve("apk-root.tar");
    exec(work, "tar", "--xattrs", "--xattrs-include=*", "--numeric-owner", "--format=posix", "-C", root.toString(),
        "-cf", tar.toString(), ".").assertSuccess();
    try (InputStream in = Files.newInputStream(tar)) {
      return TarStream.read(in);
    }
  }

  /** Extracts our layer as root with GNU tar, as a container runtime would; returns the rootfs. */
  private static Path extract(byte[] layer, Path work) throws Exception {
    Path gz = work.resolve("layer.tar.gz");
    Files.write(gz, layer);
    Path rootfs = Files.createDirectories(work.resolve("rootfs"));
    exec(work, "tar", "--xattrs", "--xattrs-include=*", "--numeric-owner", "-xpzf", gz.toString(),
        "-C", rootfs.toString()).assertSuccess();
    return rootfs;
  }

  private static void assertAuditClean(Path rootfs, Path work) throws Exception {
    Processes.Output audit = exec(work, "chroot", rootfs.toString(), "/sbin/apk", "audit", "--system")
        .assertSuccess();
    assertThat(audit.out()).as("apk audit --system stdout (files apk finds changed or missing)").isEmpty();
    // etc/apk/repositories names the test server, whose index apk never cached: a network remark, not a file.
    assertThat(audit.err().lines()).as("apk audit stderr").allMatch(l -> l.startsWith("WARNING: opening from cache"));
  }

  @Test
  void apkAuditFindsNothingInTheImageOfAll14() throws Exception {
    Path work = Files.createTempDirectory(tmp, "audit");
    Path rootfs = extract(layerOf(build(PACKAGES, work)), work);
    assertAuditClean(rootfs, work);
  }

  @Test
  void apkAddWorksOnTopOfOurDatabase() throws Exception {
    Path work = Files.createTempDirectory(tmp, "add");
    // apk-tools already pulls zlib, libssl3 and libcrypto3; musl-utils is new and brings scanelf.
    Path rootfs = extract(layerOf(build(List.of("alpine-baselayout", "busybox", "apk-tools"), work)), work);
    // The chroot shares the host's network namespace, so the test server on 127.0.0.1 is reachable.
    Processes.Output add = exec(work, "chroot", rootfs.toString(), "/sbin/apk", "add", "--no-cache",
        "--repositories-file", "/dev/null", "-X", server.url() + "v3.20/main", "musl-utils");
    add.assertSuccess();
    assertThat(add.err()).as("apk add stderr").doesNotContain("ERROR");

    List<String> installed = exec(work, "chroot", rootfs.toString(), "/sbin/apk", "info").assertSuccess().out()
        .lines().collect(Collectors.toList());
    assertThat(installed).contains("musl-utils", "scanelf", "alpine-baselayout", "busybox", "apk-tools");
    assertThat(Files.readString(rootfs.resolve("etc/apk/world")).split("\\s+"))
        .containsExactly("alpine-baselayout", "apk-tools", "busybox", "musl-utils");
    assertAuditClean(rootfs, work);
  }
}
