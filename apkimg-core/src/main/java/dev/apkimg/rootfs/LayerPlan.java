package dev.apkimg.rootfs;

import dev.apkimg.ApkimgException;
import dev.apkimg.apk.ApkPackage;
import dev.apkimg.apk.Dependency;
import dev.apkimg.tar.TarEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
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

  private LayerPlan() {}

  /** The plan of {@code packages}, given their scans in the same (install) order. */
  static LayerPlan of(List<PackageSource> packages, List<PackageScanner.PackageScan> scans) {
    LayerPlan plan = new LayerPlan();
    for (PackageScanner.PackageScan scan : scans) {
      plan.metadata.add(scan.meta());
      plan.perPackage.add(scan.entries());
      plan.busyboxLists.putAll(scan.busyboxLists());
      plan.captured.putAll(scan.captured());
      for (PackageEntry n : scan.entries()) {
        plan.checkParents(packages, n);
        plan.claim(packages, n);
      }
    }
    // Hardlinks without a checksum of their own record their target's.
    for (List<PackageEntry> nodes : plan.perPackage) {
      for (PackageEntry n : nodes) {
        if (n.type == TarEntry.HARDLINK && n.checksum == null) {
          PackageEntry target = plan.winners.get(LayerPaths.normalize(n.link));
          n.checksum = target == null ? null : target.checksum;
        }
      }
    }
    return plan;
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
