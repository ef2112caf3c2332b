package dev.apkimg.rootfs;

import dev.apkimg.ApkimgException;
import dev.apkimg.tar.TarEntry;
import dev.apkimg.tar.TarFormatException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The entries apk creates around the packages (an empty root's folders and devices, busybox's
 * applet links) and the check that no package stands where apk writes its own files. Kept
 * together because both are "apk's places": a package's entry there would redirect or hide them.
 */
final class ApkCreatedEntries {
  /** What apk writes after every package is installed: a package's copy would hide the real one. */
  private static final Set<String> WRITTEN_BY_APK_LAST = Set.of("lib/apk/db/installed",
      "lib/apk/db/scripts.tar", "lib/apk/db/triggers", "lib/apk/db/lock", "etc/apk/world");

  private ApkCreatedEntries() {}

  /**
   * What apk creates before it installs anything ({@code apk_db_create}, the mount point for
   * {@code /proc}, and {@code lib/apk/exec} once it runs a script). The first creator of a
   * directory sets its mode in apk, so these come before the packages' entries.
   */
  static List<GeneratedEntry> initdb(boolean scripts) {
    List<GeneratedEntry> out = new ArrayList<>();
    out.add(GeneratedEntry.dir("tmp", 01777));
    out.add(GeneratedEntry.dir("dev", GeneratedEntry.DEFAULT_DIR_MODE));
    out.add(GeneratedEntry.charDevice("dev/null", 0666, 1, 3));
    out.add(GeneratedEntry.charDevice("dev/zero", 0666, 1, 5));
    out.add(GeneratedEntry.charDevice("dev/random", 0666, 1, 8));
    out.add(GeneratedEntry.charDevice("dev/urandom", 0666, 1, 9));
    out.add(GeneratedEntry.charDevice("dev/console", 0600, 5, 1));
    // etc/apk/keys is ours (the keys that verified the build); apk-tools ships protected_paths.d.
    for (String d : List.of("etc", "etc/apk", "etc/apk/keys", "lib", "lib/apk",
        "lib/apk/db", "var", "var/cache", "var/cache/apk", "var/cache/misc")) {
      out.add(GeneratedEntry.dir(d, GeneratedEntry.DEFAULT_DIR_MODE));
    }
    if (scripts) {
      out.add(GeneratedEntry.dir("lib/apk/exec", 0700));
    }
    out.add(GeneratedEntry.dir("proc", 0555));
    return out;
  }

  /** {@link #initdb(boolean)} for the plan's packages. */
  static List<GeneratedEntry> initdb(LayerPlan plan) {
    return initdb(plan.hasScripts());
  }

  /**
   * The paths apk itself makes (its database and configuration, the folders of an empty root,
   * busybox's applet links) are not links or files a package put in their way: else apk's files
   * would be written through a package's symlink, and a package could ship its own
   * {@code lib/apk/db/installed} and hide what is installed from scanners. apk fails on the
   * former (it cannot replace its folders by a link) and overwrites the latter.
   */
  static void checkApkPaths(LayerPlan plan, List<PackageSource> packages, Map<String, GeneratedEntry> generated) {
    Map<String, GeneratedEntry> apkPaths = new TreeMap<>(generated);
    initdb(plan).forEach(g -> apkPaths.putIfAbsent(g.path(), g));
    for (GeneratedEntry g : apkPaths.values()) {
      for (String parent : LayerPaths.parents(g.path())) {
        PackageEntry w = plan.winners.get(parent);
        if (w != null && !w.isDir()) {
          throw PackageEntryRules.refuse(packages.get(w.pkg), parent, "it makes /" + parent + " a "
              + PackageEntry.kind(w.type) + ", where apk writes /" + g.path());
        }
      }
      PackageEntry w = plan.winners.get(g.path());
      if (w != null && !w.isDir() && (g.type() == TarEntry.DIRECTORY || WRITTEN_BY_APK_LAST.contains(g.path()))) {
        throw PackageEntryRules.refuse(packages.get(w.pkg), g.path(), "apk itself makes /" + g.path()
            + (g.type() == TarEntry.DIRECTORY ? " a directory" : ", after installing every package"));
      }
    }
  }

  /** busybox's post-install runs {@code busybox --install -s}: make those links from its list. */
  static void addBusyboxLinks(LayerPlan plan, Map<String, GeneratedEntry> out) {
    PackageEntry busybox = plan.winners.get("bin/busybox");
    if (busybox == null || plan.busyboxLists.isEmpty()) {
      return;
    }
    for (Map.Entry<String, byte[]> list : plan.busyboxLists.entrySet()) {
      for (String line : new String(list.getValue(), StandardCharsets.UTF_8).split("\n")) {
        String path = LayerPaths.normalize(line.trim());
        if (path.isEmpty()) {
          continue;
        }
        // The list is package content: its lines become paths in the layer, so they obey the
        // rules of package entries, and no applet link goes through a link or a file.
        String why = PackageEntryRules.checkPath(path, false);
        for (String parent : LayerPaths.parents(path)) {
          PackageEntry w = plan.winners.get(parent);
          if (why == null && w != null && !w.isDir()) {
            why = "it goes through /" + parent + ", a " + PackageEntry.kind(w.type);
          }
        }
        if (why != null) {
          throw new ApkimgException("/" + list.getKey() + " names an unsafe applet path "
              + TarFormatException.quote(line.trim()) + ": " + why + "; the busybox package is broken or hostile");
        }
        if (!plan.winners.containsKey(path)) {
          out.put(path, GeneratedEntry.symlink(path, "/bin/busybox"));
        }
      }
    }
  }
}
