package dev.apkimg.rootfs;

import dev.apkimg.rootfs.PackageDataLayer.Node;
import dev.apkimg.tar.TarEntry;
import dev.apkimg.tar.TarReader;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;

/**
 * The layers of an image layered by packages: each package's data stream verbatim
 * ({@link PackageDataLayer}), bottom first in install order, and one layer on top that turns
 * the stacked package layers into the root filesystem the single-layer build makes: every path
 * whose final state (type, mode, owner, time, link target, content, xattrs) differs from what
 * the package layers give, whole hardlink groups where any member differs, and an OCI whiteout
 * ({@code .wh.NAME}) for each path the package layers have and the root filesystem does not.
 *
 * <p>Above the budget, the smallest packages get no layer of their own: their files differ from
 * the stacked view (they are not in it) and so go into the top layer.
 */
public record PackageLayers(List<PackageDataLayer> packages, LayerResult top) {
  public PackageLayers {
    packages = List.copyOf(packages);
  }

  /**
   * The layers for {@code sources}, given {@code full}, the single-layer root filesystem already
   * written: at most {@code budget} package layers, the largest kept, and the top layer written
   * to {@code workDir}.
   */
  public static PackageLayers of(List<PackageSource> sources, LayerResult full, int budget, Path workDir,
      Path cacheDir, long mtime) throws IOException {
    List<PackageDataLayer> all = new ArrayList<>();
    for (PackageSource s : sources) {
      all.add(PackageDataLayer.extract(s, workDir.resolve("package-layers"), cacheDir));
    }
    Set<PackageDataLayer> kept = new HashSet<>(all.stream()
        .sorted(Comparator.comparingLong(PackageDataLayer::size).reversed()
            .thenComparing(l -> l.source().info().name()))
        .limit(budget).toList());
    List<PackageDataLayer> layers = all.stream().filter(kept::contains).toList();

    Map<String, Node> stacked = stack(layers);
    Map<String, Node> target = new LinkedHashMap<>();
    try (InputStream in = open(full.file())) {
      TarReader tar = new TarReader(in);
      TarEntry e;
      while ((e = tar.next()) != null) {
        Node n = Node.of(e, e.isRegular() ? PackageDataLayer.sha256(tar.content()) : "");
        target.put(n.name(), n);
      }
    }

    Set<String> include = new HashSet<>();
    for (Node n : target.values()) {
      Node s = stacked.get(n.name());
      if (s == null || !s.equals(n) || n.isHardlink() || s.isHardlink()) {
        include.add(n.name());
      }
    }
    closeOverHardlinks(include, target, stacked);

    List<String> whiteouts = new ArrayList<>();
    for (String n : new TreeSet<>(stacked.keySet())) {
      if (!n.isEmpty() && !target.containsKey(n)
          && (whiteouts.isEmpty() || !n.startsWith(whiteouts.get(whiteouts.size() - 1) + "/"))) {
        whiteouts.add(n); // the highest missing path: its whiteout hides everything below it
      }
    }

    LayerResult top = LayerOutput.write(workDir.resolve("top.tar.gz"), tar -> {
      int count = 0;
      for (String n : whiteouts) {
        int slash = n.lastIndexOf('/');
        String name = (slash < 0 ? "" : n.substring(0, slash + 1)) + ".wh." + n.substring(slash + 1);
        tar.write(TarEntry.file(name, 0644, 0, 0, 0, mtime), InputStream.nullInputStream());
        count++;
      }
      // The entries of the full layer that the package layers do not give, in its order
      // (folders before what they hold, hardlink targets before their links).
      try (InputStream in = open(full.file())) {
        TarReader r = new TarReader(in);
        TarEntry e;
        while ((e = r.next()) != null) {
          if (include.contains(PackageDataLayer.clean(e.name()))) {
            tar.write(e, r.content());
            count++;
          }
        }
      }
      return count;
    }, full.scripts());
    return new PackageLayers(layers, top);
  }

  /** What extracting the package layers in order gives: a non-folder replaces a folder and all below it. */
  static Map<String, Node> stack(List<PackageDataLayer> layers) {
    TreeMap<String, Node> view = new TreeMap<>();
    for (PackageDataLayer l : layers) {
      for (Node n : l.entries()) {
        if (n.name().isEmpty()) {
          continue;
        }
        Node before = view.get(n.name());
        if (before != null && before.isDirectory() && !n.isDirectory()) {
          view.subMap(n.name() + "/", n.name() + "0").clear(); // '0' follows '/'
        }
        view.put(n.name(), n);
      }
    }
    return view;
  }

  /**
   * A hardlink group is one inode: rewriting one member in the top layer splits it from the
   * others in the package layers, so every member of a group (in either view) goes together.
   */
  private static void closeOverHardlinks(Set<String> include, Map<String, Node> target, Map<String, Node> stacked) {
    Map<String, Set<String>> groups = new HashMap<>();
    for (Map<String, Node> view : List.of(target, stacked)) {
      for (Node n : view.values()) {
        if (n.isHardlink()) {
          Set<String> g = groups.computeIfAbsent(n.link(), k -> new HashSet<>(Set.of(k)));
          g.add(n.name());
          groups.put(n.name(), g);
        }
      }
    }
    boolean changed = true;
    while (changed) {
      changed = false;
      for (Set<String> g : new HashSet<>(groups.values())) {
        boolean any = g.stream().anyMatch(include::contains);
        if (any) {
          for (String m : g) {
            if (target.containsKey(m) && include.add(m)) {
              changed = true;
            }
          }
        }
      }
    }
  }

  private static InputStream open(Path gz) throws IOException {
    return new GZIPInputStream(new BufferedInputStream(Files.newInputStream(gz), 1 << 16), 1 << 16);
  }
}
