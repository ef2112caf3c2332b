package dev.apkimg.cli;

import static dev.apkimg.cli.Processes.exec;

import dev.apkimg.cli.TreeSnapshot.Difference;
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
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The reference side of the fidelity ITs: the root filesystem that the real apk-tools installs for
 * a world from ../shared's v3.20 mirror (../shared/tools/apk-oracle), and the comparison of another
 * tree with it, field by field, outside the {@link #EXEMPTIONS documented exceptions}.
 *
 * <p>Trees are compared as tar streams read by a byte-exact reader ({@link TarStream}): apk's tree
 * as GNU tar archives it ({@code --xattrs --xattrs-include='*' --numeric-owner}), so owners, modes,
 * device numbers, hardlinks and every xattr namespace are read exactly.
 */
final class ApkOracle {

  /**
   * A documented exception: differences in {@code fields} ("*" = all) of paths matching {@code glob}.
   * With {@code maskedLines}, a content difference is exempt only if it vanishes when the pattern's
   * first group is masked in the lines it matches, so anything else still fails.
   */
  record Exemption(String glob, Set<String> fields, Pattern maskedLines, String reason) {
    Exemption(String glob, Set<String> fields, String reason) {
      this(glob, fields, null, reason);
    }

    boolean covers(String path, String field, byte[] apk, byte[] ours) {
      PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + glob);
      if (!(fields.contains("*") || fields.contains(field)) || !m.matches(Path.of(path))) {
        return false;
      }
      return maskedLines == null
          || (apk != null && ours != null && masked(apk).equals(masked(ours)));
    }

    /** The content with the pattern's first group in each matching line replaced by '*'. */
    private List<String> masked(byte[] content) {
      return new String(content, StandardCharsets.UTF_8).lines().map(l -> {
        java.util.regex.Matcher m = maskedLines.matcher(l);
        return m.matches() ? l.substring(0, m.start(1)) + "*" + l.substring(m.end(1)) : l;
      }).toList();
    }
  }

  /** The ONLY differences allowed between apk's rootfs and apkimg's; each says why. */
  static final List<Exemption> EXEMPTIONS = List.of(
      new Exemption(".", Set.of("*"),
          "the root itself: apk-oracle's OUT is made by mkdir, an image's / by the container runtime"),
      new Exemption("etc/apk/repositories", Set.of("present"),
          "apkimg names the build's repositories on purpose (apk-oracle installs with -X only)"),
      new Exemption("etc/apk/keys", Set.of("present"),
          "holds the keys apkimg adds on purpose; apk makes it only when a package (alpine-keys) ships it"),
      new Exemption("etc/apk/keys/*", Set.of("present"),
          "apkimg adds the keys that verified the build on purpose (apk-oracle passes --keys-dir)"),
      new Exemption("etc/shadow", Set.of("content"), Pattern.compile("[^:]+:!:(\\d+):0:99999:7:::"),
          "the 'last changed' day of accounts that install scripts add: busybox writes the day of the"
              + " install, apkimg the day of the build date, so that the image is reproducible"));

  private final Path fixtures;
  private final Path script;
  private final Path keys;

  private ApkOracle(Path fixtures, Path script, Path keys) {
    this.fixtures = fixtures;
    this.script = script;
    this.keys = keys;
  }

  /**
   * The oracle of ../shared, or skips (fails, with APKIMG_IT_REQUIRED=1) the test when root, the
   * fixtures, apk-oracle, tar or chroot are missing. {@code scratch} receives its keys folder.
   */
  static ApkOracle create(Path scratch) throws IOException {
    Prerequisites.requireRoot(); // apk-oracle chroots and bind-mounts; extraction keeps owners and devices
    Path fixtures = Prerequisites.requireSharedFixtures();
    Path script = fixtures.getParent().resolve("tools/apk-oracle");
    Prerequisites.require(Files.isExecutable(script), script + " not executable");
    Prerequisites.requireCommand("tar");
    Prerequisites.requireCommand("chroot");
    // apk-oracle bind-mounts a keys folder: give it one holding only the mirror's key.
    Path key = fixtures.resolve("keys/apkimg-test.rsa.pub");
    Path keys = Files.createDirectories(scratch.resolve("oracle-keys"));
    Files.copy(key, keys.resolve(key.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    return new ApkOracle(fixtures, script, keys);
  }

  /** ../shared/fixtures. */
  Path fixtures() {
    return fixtures;
  }

  /** The key that signs the fixture mirror, for apkimg's {@code -k}. */
  Path mirrorKey() {
    return fixtures.resolve("keys/apkimg-test.rsa.pub");
  }

  /** apk-tools' root filesystem for {@code world}, installed into {@code work}/apk-root, as a tree. */
  TreeSnapshot install(List<String> world, Path work) throws Exception {
    return install(fixtures.resolve("mirror/v3.20/main"), keys, world, work);
  }

  /** As {@link #install(List, Path)}, from the repository folder {@code repo} trusting the keys in {@code keysDir}. */
  TreeSnapshot install(Path repo, Path keysDir, List<String> world, Path work) throws Exception {
    run(repo, keysDir, world, work).assertSuccess();
    return snapshot(work.resolve("apk-root"), work);
  }

  /** What apk-tools prints and exits with when it installs {@code world} into {@code work}/apk-root. */
  Processes.Output run(Path repo, Path keysDir, List<String> world, Path work) throws Exception {
    List<String> install = new ArrayList<>(List.of(script.toString(), "install",
        repo.toString(), "x86_64", keysDir.toString(), work.resolve("apk-root").toString()));
    install.addAll(world);
    return exec(work, install.toArray(String[]::new));
  }

  /** The tree at {@code root} as GNU tar records it: every xattr namespace, numeric owners, hardlinks, devices. */
  static TreeSnapshot snapshot(Path root, Path work) throws Exception {
    return TreeSnapshot.of(archive(root, work));
  }

  static List<TarStream.Entry> archive(Path root, Path work) throws Exception {
    Path tar = Files.createTempFile(work, "tree", ".tar");
    exec(work, "tar", "--xattrs", "--xattrs-include=*", "--numeric-owner", "--format=posix", "-C", root.toString(),
        "-cf", tar.toString(), ".").assertSuccess();
    try (InputStream in = Files.newInputStream(tar)) {
      return TarStream.read(in);
    } finally {
      Files.delete(tar);
    }
  }

  /**
   * Every difference between apk's tree and {@code ours} that neither {@link #EXEMPTIONS} nor
   * {@code more} covers, as lines for a failure message: the problems of our tree (duplicates,
   * dangling hardlinks), path by path differences, and lib/apk/db/scripts.tar member by member.
   * Exempted differences are printed with {@code label}, so a stale or too-wide exception shows
   * in the log.
   */
  static List<String> differences(String label, TreeSnapshot apk, TreeSnapshot ours, List<Exemption> more)
      throws IOException {
    List<Exemption> exemptions = Stream.concat(EXEMPTIONS.stream(), more.stream()).toList();
    List<String> differences = new ArrayList<>(ours.problems());
    ours.differencesFrom(apk, (path, field, a, o) -> exemptions.stream().filter(e -> e.covers(path, field, a, o))
        .findFirst().map(e -> {
          System.out.println(label + ": exempted " + path + ": " + field + " (" + e.reason() + ")");
          return true;
        }).orElse(false)).forEach(d -> differences.add(d.toString()));
    scriptsDifferences(apk, ours).forEach(d -> differences.add(d.toString()));
    return differences;
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

  /** The {@code name-version} of each package in a lib/apk/db/installed (as {@code apk info -v} prints them). */
  static List<String> installedPackages(byte[] installed) {
    List<String> out = new ArrayList<>();
    String name = null;
    for (String line : new String(installed, StandardCharsets.UTF_8).lines().toList()) {
      if (line.startsWith("P:")) {
        name = line.substring(2);
      } else if (line.startsWith("V:") && name != null) {
        out.add(name + "-" + line.substring(2));
        name = null;
      }
    }
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
      System.out.println("ApkOracle (info, not compared): " + new Difference(path, field,
          String.valueOf(apk), String.valueOf(ours)));
    }
  }
}
