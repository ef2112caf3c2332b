package dev.apkimg.rootfs;

import dev.apkimg.ApkimgException;
import dev.apkimg.apk.ApkPackage;
import dev.apkimg.apk.Dependency;
import dev.apkimg.tar.TarEntry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Which package finally owns each path, decided in install order as apk does (file conflicts,
 * {@code replaces}, directories shared), from the packages' scans. It is the layer's table of
 * contents: apk's database, the mutation tree and the second pass all read it, none changes it.
 */
final class LayerPlan {
  final Map<String, PackageEntry> winners = new HashMap<>();
  final List<List<PackageEntry>> perPackage = new ArrayList<>();
  final List<ApkPackage> metadata = new ArrayList<>();
  final Map<String, byte[]> busyboxLists = new TreeMap<>();
  /** Bytes of the winning entries that mutations read (RootfsMutation.reads()). */
  final Map<PackageEntry, byte[]> captured = new IdentityHashMap<>();
  /** Each hardlink group's regular file (its {@link PackageEntry#root}) to the group's hardlinks, in package order. */
  final Map<PackageEntry, List<PackageEntry>> hardlinks = new IdentityHashMap<>();
  /**
   * Where each installed hardlink points in the layer: the path its package names, or the group's
   * file when that path went to a later package. The carriers are not here.
   */
  final Map<PackageEntry, String> links = new IdentityHashMap<>();
  /**
   * Installed hardlinks that hold their group's bytes as a regular file, because the group's file
   * lost its path to a later package: the first installed one of each such group.
   */
  final Set<PackageEntry> carriers = Collections.newSetFromMap(new IdentityHashMap<>());
  /** Each hardlink's direct target: its package's entry at the path it names. */
  private final Map<PackageEntry, PackageEntry> linkTargets = new IdentityHashMap<>();

  private LayerPlan() {}

  /** The plan of {@code packages}, given their scans in the same (install) order. */
  static LayerPlan of(List<PackageSource> packages, List<PackageScanner.PackageScan> scans) {
    LayerPlan plan = new LayerPlan();
    for (PackageScanner.PackageScan scan : scans) {
      plan.metadata.add(scan.meta());
      plan.perPackage.add(scan.entries());
      plan.busyboxLists.putAll(scan.busyboxLists());
      plan.captured.putAll(scan.captured());
      Map<String, PackageEntry> own = new HashMap<>(); // this package's entries so far, by path
      for (PackageEntry n : scan.entries()) {
        plan.checkParents(packages, n);
        if (n.type == TarEntry.HARDLINK) {
          plan.joinGroup(packages, n, own);
        }
        plan.claim(packages, n);
        own.put(n.path, n);
      }
    }
    plan.resolveHardlinks();
    return plan;
  }

  /** Whether {@code n} is the entry finally installed at its path. */
  boolean installed(PackageEntry n) {
    return winners.get(n.path) == n;
  }

  /**
   * Joins hardlink {@code n} to the group of the file its package wrote at the path it names. As
   * apk does, refuses a hardlink whose target the package does not install: apk looks the target
   * up among the files the package installed so far, and an earlier package that replaces this
   * one keeps that path.
   */
  private void joinGroup(List<PackageSource> packages, PackageEntry n, Map<String, PackageEntry> own) {
    String path = LayerPaths.normalize(n.link);
    PackageEntry target = own.get(path); // the scan checked: a file or hardlink earlier in the package
    PackageEntry w = winners.get(path);
    if (target == null || w == null || w.pkg != n.pkg) {
      String name = packages.get(n.pkg).info().name();
      throw new ApkimgException("package " + packages.get(n.pkg).info().nameVersion() + ": /" + n.path
          + " is a hardlink to /" + path + ", which " + name + " does not install"
          + (w == null ? "" : ": " + packages.get(w.pkg).info().nameVersion() + " replaces " + name
              + " and keeps its own /" + path)
          + "; apk-tools refuses this too (\"no hard link target in archive\"): these packages cannot be installed"
          + " together");
    }
    n.root = target.type == TarEntry.HARDLINK ? target.root : target;
    linkTargets.put(n, target);
    hardlinks.computeIfAbsent(n.root, k -> new ArrayList<>()).add(n);
  }

  /**
   * Decides what each installed hardlink is in the layer once every package has claimed its
   * paths, as apk's extraction leaves it: apk links each name to the inode of its package's file,
   * and a later package that overwrites one name replaces that name only. So when the group's
   * file lost its path, the first installed hardlink of the group carries the bytes as a regular
   * file, and the others link to it; a hardlink whose own target lost its path links to the
   * group's file. Every hardlink records its group file's checksum, as apk copies it.
   */
  private void resolveHardlinks() {
    for (Map.Entry<PackageEntry, List<PackageEntry>> group : hardlinks.entrySet()) {
      PackageEntry root = group.getKey();
      PackageEntry file = installed(root) ? root : null;
      for (PackageEntry m : group.getValue()) {
        m.checksum = root.checksum;
        if (!installed(m)) {
          continue;
        }
        if (file == null) {
          file = m;
          carriers.add(m);
          continue;
        }
        PackageEntry target = linkTargets.get(m);
        links.put(m, installed(target) ? target.path : file.path);
      }
    }
  }

  /** Whether any package has install scripts (apk then makes {@code lib/apk/exec}). */
  boolean hasScripts() {
    return metadata.stream().anyMatch(m -> !m.scripts().isEmpty());
  }

  /** Whether busybox is installed with its applet lists, so that its links are made. */
  boolean hasBusyboxLinks() {
    return winners.containsKey("bin/busybox") && !busyboxLists.isEmpty();
  }

  /**
   * No entry goes through a symlink or file that an earlier package (or this one) put in the
   * layer: tar and container runtimes would write it through the link, outside the path it names,
   * and past the file-conflict check. (A package's own folders are directory entries, and a
   * directory never replaces another package's symlink, so this holds already; checked anyway.)
   */
  private void checkParents(List<PackageSource> packages, PackageEntry n) {
    for (String parent : LayerPaths.parents(n.path)) {
      PackageEntry w = winners.get(parent);
      if (w != null && !w.isDir()) {
        throw PackageEntryRules.refuse(packages.get(n.pkg), n.path, "it goes through /" + parent + ", a "
            + PackageEntry.kind(w.type) + " of " + packages.get(w.pkg).info().nameVersion());
      }
    }
  }

  /** Decides who owns a path when several packages ship it, as apk does. */
  private void claim(List<PackageSource> packages, PackageEntry n) {
    PackageEntry old = winners.get(n.path);
    if (old == null) {
      winners.put(n.path, n);
      return;
    }
    if (old.isDir() && n.isDir()) {
      return; // the first package's directory stays; both record it in the database
    }
    if (old.pkg == n.pkg) {
      winners.put(n.path, n);
      return;
    }
    String oldName = packages.get(old.pkg).info().name();
    String newName = packages.get(n.pkg).info().name();
    boolean same = old.type == n.type && old.checksum != null && old.checksum.equals(n.checksum);
    boolean newReplacesOld = replaces(packages, n.pkg, oldName);
    boolean oldReplacesNew = replaces(packages, old.pkg, newName);
    if (old.type == TarEntry.SYMLINK && n.isDir()) {
      // apk-tools writes this package's files through the link; apkimg never writes through a
      // link (see checkParents), so the difference is refused, saying so.
      throw new ApkimgException("file conflict: /" + n.path + " is a symlink in " + packages.get(old.pkg).info()
          .nameVersion() + " and a directory in " + packages.get(n.pkg).info().nameVersion() + ": apk-tools would"
          + " install " + newName + "'s files through the symlink (to " + old.link + "), apkimg never writes through"
          + " a link (README, Security model); use a build of " + newName + " with its files in the link's target,"
          + " or leave one of the two packages out");
    }
    if (old.isDir() != n.isDir()) {
      // Not even replaces allows it: a directory over a link would put the later package's files
      // wherever the link points.
      throw new ApkimgException("file conflict: /" + n.path + " is a " + PackageEntry.kind(old.type) + " in "
          + packages.get(old.pkg).info().nameVersion() + " and a " + PackageEntry.kind(n.type) + " in "
          + packages.get(n.pkg).info().nameVersion() + " (a package cannot replace one with the other)");
    }
    if (!(same || newReplacesOld || oldReplacesNew)) {
      throw new ApkimgException("file conflict: /" + n.path + " is in both "
          + packages.get(old.pkg).info().nameVersion() + " and " + packages.get(n.pkg).info().nameVersion()
          + " (neither replaces the other)");
    }
    if (!oldReplacesNew || newReplacesOld) {
      winners.put(n.path, n);
    }
  }

  /**
   * Whether package {@code pkg} replaces {@code name}. apk reads replaces from {@code .PKGINFO}
   * ({@code apk index} writes no {@code r:}), so the package's own metadata counts, not only the index's.
   */
  private boolean replaces(List<PackageSource> packages, int pkg, String name) {
    List<Dependency> all = new ArrayList<>(packages.get(pkg).info().replaces());
    all.addAll(metadata.get(pkg).info().replaces());
    for (Dependency r : all) {
      if (r.name().equals(name)) {
        return true;
      }
    }
    return false;
  }
}
