package dev.apkimg.rootfs;

import dev.apkimg.apk.ApkPackage;
import dev.apkimg.apk.InstallScript;
import dev.apkimg.apk.InstalledDatabaseWriter;
import dev.apkimg.apk.PackageInfo;
import dev.apkimg.apk.ScriptsTarWriter;
import dev.apkimg.tar.TarEntry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * apk's own files in the layer: its configuration ({@code etc/apk}) and its database
 * ({@code lib/apk/db}: installed, scripts.tar, triggers, lock), as {@code apk add} leaves them.
 * Apart from the layer's writing because their content is apk's format, built from the plan.
 */
final class ApkDatabaseFiles {
  /** apk-tools' order of script types, in which it writes {@code scripts.tar}. */
  private static final List<String> SCRIPT_ORDER = List.of(
      "pre-install", "post-install", "pre-deinstall", "post-deinstall", "pre-upgrade", "post-upgrade", "trigger");

  private ApkDatabaseFiles() {}

  /** Adds apk's configuration and database files to {@code out}, by path. */
  static void add(LayerPlan plan, List<PackageSource> packages, RootfsSpec spec, Map<String, GeneratedEntry> out)
      throws IOException {
    out.put("etc/apk/arch", GeneratedEntry.file("etc/apk/arch", 0644,
        (spec.arch() + "\n").getBytes(StandardCharsets.UTF_8)));
    out.put("etc/apk/world", GeneratedEntry.file("etc/apk/world", 0644, lines(new TreeSet<>(spec.world()))));
    out.put("etc/apk/repositories", GeneratedEntry.file("etc/apk/repositories", 0644, lines(spec.repositories())));
    spec.keys().forEach((name, pem) -> out.put("etc/apk/keys/" + name,
        GeneratedEntry.file("etc/apk/keys/" + name, 0644, pem)));

    ByteArrayOutputStream installed = new ByteArrayOutputStream();
    InstalledDatabaseWriter.write(databaseEntries(plan, packages), installed);
    out.put("lib/apk/db/installed", GeneratedEntry.file("lib/apk/db/installed", 0644, installed.toByteArray()));
    out.put("lib/apk/db/lock", GeneratedEntry.file("lib/apk/db/lock", 0600, new byte[0]));
    out.put("lib/apk/db/scripts.tar", GeneratedEntry.file("lib/apk/db/scripts.tar", 0644,
        scriptsTar(plan, spec.timestamp())));
    StringBuilder triggers = new StringBuilder();
    for (ApkPackage meta : plan.metadata) {
      if (!meta.triggers().isEmpty()) {
        triggers.append(meta.controlChecksum()).append(' ').append(String.join(" ", meta.triggers())).append('\n');
      }
    }
    out.put("lib/apk/db/triggers", GeneratedEntry.file("lib/apk/db/triggers", 0644,
        triggers.toString().getBytes(StandardCharsets.UTF_8)));
  }

  private static List<InstalledDatabaseWriter.Entry> databaseEntries(LayerPlan plan, List<PackageSource> packages) {
    List<InstalledDatabaseWriter.Entry> entries = new ArrayList<>();
    for (int i = 0; i < packages.size(); i++) {
      Map<String, DirBuilder> dirs = new LinkedHashMap<>();
      for (PackageEntry n : plan.perPackage.get(i)) {
        if (n.isDir()) {
          dirs.computeIfAbsent(n.path, p -> new DirBuilder(p, (int) n.uid, (int) n.gid, n.mode, n.xattrChecksum()));
          continue;
        }
        PackageEntry winner = plan.winners.get(n.path);
        if (winner != n) {
          continue; // overwritten by a later package: apk moves the file to that package
        }
        int slash = n.path.lastIndexOf('/');
        String parent = slash < 0 ? "" : n.path.substring(0, slash);
        String name = n.path.substring(slash + 1);
        DirBuilder d = dirs.computeIfAbsent(parent, p -> {
          PackageEntry real = plan.winners.get(p);
          return real == null ? new DirBuilder(p, 0, 0, GeneratedEntry.DEFAULT_DIR_MODE, null)
              : new DirBuilder(p, (int) real.uid, (int) real.gid, real.mode, real.xattrChecksum());
        });
        int mode = n.type == TarEntry.SYMLINK ? 0777 : n.mode;
        d.files.add(new InstalledDatabaseWriter.File(name, (int) n.uid, (int) n.gid, mode, n.xattrChecksum(), n.checksum));
      }
      List<InstalledDatabaseWriter.Dir> list = new ArrayList<>();
      for (DirBuilder d : dirs.values()) {
        list.add(new InstalledDatabaseWriter.Dir(d.path, d.uid, d.gid, d.mode, d.xattrChecksum, d.files));
      }
      entries.add(new InstalledDatabaseWriter.Entry(databaseInfo(packages.get(i).info(), plan.metadata.get(i).info()), list));
    }
    return entries;
  }

  /**
   * apk records the repository's view of a package (size of the .apk, its checksum) plus what
   * only the package says: {@code apk index} writes no {@code replaces}, so those come from
   * {@code .PKGINFO}.
   */
  private static PackageInfo databaseInfo(PackageInfo index, PackageInfo pkginfo) {
    return new PackageInfo(index.checksum(), index.name(), index.version(), index.arch(), index.size(),
        index.installedSize(), index.description(), index.url(), index.license(), index.origin(), index.maintainer(),
        index.buildTime(), index.commit(), index.providerPriority(), index.depends(), index.provides(),
        index.installIf(), index.replaces().isEmpty() ? pkginfo.replaces() : index.replaces(),
        index.replacesPriority() != 0 ? index.replacesPriority() : pkginfo.replacesPriority());
  }

  private static final class DirBuilder {
    final String path;
    final int uid;
    final int gid;
    final int mode;
    final String xattrChecksum;
    final List<InstalledDatabaseWriter.File> files = new ArrayList<>();

    DirBuilder(String path, int uid, int gid, int mode, String xattrChecksum) {
      this.path = path;
      this.uid = uid;
      this.gid = gid;
      this.mode = mode;
      this.xattrChecksum = xattrChecksum;
    }
  }

  /** {@code lib/apk/db/scripts.tar}: each script as {@code NAME-VERSION.Q1....TYPE}, in install order. */
  private static byte[] scriptsTar(LayerPlan plan, long clamp) {
    ScriptsTarWriter tar = new ScriptsTarWriter();
    for (ApkPackage meta : plan.metadata) {
      List<InstallScript> scripts = new ArrayList<>(meta.scripts());
      scripts.sort(Comparator.comparingInt(sc -> SCRIPT_ORDER.indexOf(sc.type())));
      for (InstallScript s : scripts) {
        tar.add(meta.info().nameVersion() + "." + meta.controlChecksum() + "." + s.type(), s.content(),
            Math.min(s.modTime(), clamp));
      }
    }
    return tar.toByteArray();
  }

  private static byte[] lines(Iterable<String> values) {
    StringBuilder sb = new StringBuilder();
    for (String v : values) {
      sb.append(v).append('\n');
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }
}
