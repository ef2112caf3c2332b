package dev.apkimg.rootfs;

import dev.apkimg.rootfs.PackageDataLayer.Node;
import dev.apkimg.tar.TarEntry;
import java.io.IOException;
import java.io.InputStream;
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

/**
 * The layers of an image layered by packages: each package's data stream verbatim
 * ({@link PackageDataLayer}), bottom first in install order; above the budget, one layer rebuilt
 * from the smallest packages' files ({@code shared}); and one layer on top that turns the stacked
 * layers into the root filesystem the single-layer build makes: every path whose final state
 * (type, mode, owner, time, link target, content, xattrs) differs from what the layers below
 * give, whole hardlink groups where any member differs, and an OCI whiteout ({@code .wh.NAME})
 * for each path the layers below have and the root filesystem does not.
 *
 * <p>All of it comes from the layer's plan and the packages' scans: the single layer is never
 * written, and a package is read only for the files of its own that the shared or top layer
 * needs, so a warm build inflates (almost) nothing.
 *
 * @param shared the rebuilt layer of the packages above the budget, or null when all have their own
 * @param sharedPackages those packages ({@code NAME-VERSION}), in install order
 * @param entries how many entries the root filesystem has (as the single layer would)
 */
public record PackageLayers(List<PackageDataLayer> packages, LayerResult shared, List<String> sharedPackages,
    LayerResult top, int entries) {
  public PackageLayers {
    packages = List.copyOf(packages);
    sharedPackages = List.copyOf(sharedPackages);
  }

  /** The lower layers, bottom first: the package layers, then the shared one. */
  public List<LayerResult> sharedLayers() {
    return shared == null ? List.of() : List.of(shared);
  }

  /** Compressed bytes of every layer. */
  public long size() {
    return packages.stream().mapToLong(PackageDataLayer::size).sum() + (shared == null ? 0 : shared.size()) + top.size();
  }

  /** Uncompressed (tar) bytes of every layer. */
  public long uncompressedSize() {
    return packages.stream().mapToLong(PackageDataLayer::tarSize).sum()
        + (shared == null ? 0 : shared.uncompressedSize()) + top.uncompressedSize();
  }

  /**
   * The layers for {@code sources}, whose scans and planned entries are given: at most
   * {@code budget} package layers, the largest kept, and the shared and top layers written to
   * {@code workDir}.
   */
  static PackageLayers of(List<PackageSource> sources, List<PackageScanner.PackageScan> scans,
      LayerEntryWriter writer, List<ScriptReport> reports, int budget, Path workDir, long mtime) throws IOException {
    // The largest packages get layers of their own: they are what images share.
    long[] sizes = new long[sources.size()];
    for (int i = 0; i < sources.size(); i++) {
      sizes[i] = PackageDataLayer.dataSize(sources.get(i));
    }
    List<Integer> bySize = new ArrayList<>();
    for (int i = 0; i < sources.size(); i++) {
      bySize.add(i);
    }
    bySize.sort(Comparator.<Integer>comparingLong(i -> sizes[i]).reversed()
        .thenComparing(i -> sources.get(i).info().name()));
    Set<Integer> kept = new HashSet<>(bySize.subList(0, Math.min(budget, bySize.size())));
    List<PackageDataLayer> layers = new ArrayList<>();
    for (int i = 0; i < sources.size(); i++) {
      if (kept.contains(i)) {
        PackageDataLayer layer = PackageDataLayer.of(sources.get(i), scans.get(i));
        layers.add(layer);
        // A package's own layer is its data stream as it is: in the image as soon as it is found.
        writer.meter.add(layer.entries().stream().mapToLong(Node::size).sum());
        writer.meter.packageDone(i);
      }
    }

    // The root filesystem as the single layer would have it, from the plan: no package is read.
    Map<String, Node> target = new LinkedHashMap<>();
    int entries = writer.plan((h, content, from) -> {
      String sha = from != null ? from.sha256 : content == null ? "" : PackageDataLayer.sha256(content);
      Node n = Node.of(h, sha);
      target.put(n.name(), n);
    });

    List<Node> sharedNodes = new ArrayList<>();
    LayerResult shared = null;
    if (kept.size() < sources.size()) {
      // The rest share one layer: their paths in their final state, where that state needs no
      // bytes of a kept package (a file a kept package replaced stays for the top layer).
      Set<String> paths = new HashSet<>();
      for (int i = 0; i < sources.size(); i++) {
        if (!kept.contains(i)) {
          for (PackageEntry e : scans.get(i).entries()) {
            Node n = target.get(e.path);
            int owner = writer.owner(e.path);
            if (n != null && (n.type() != TarEntry.REGULAR || owner < 0 || !kept.contains(owner))) {
              paths.add(e.path);
            }
          }
        }
      }
      shared = LayerOutput.write(workDir.resolve("shared.tar.gz"), tar -> writer.write(tar, paths::contains),
          List.of());
      for (Node n : target.values()) {
        if (paths.contains(n.name())) {
          sharedNodes.add(n);
        }
      }
    }

    List<List<Node>> below = new ArrayList<>(layers.stream().map(PackageDataLayer::entries).toList());
    below.add(sharedNodes);
    Map<String, Integer> origin = new HashMap<>();
    Map<String, Node> stacked = stack(below, origin);
    // Package index of each package layer, to tell whether the single layer wrote a path from it.
    List<Integer> layerPackage = new ArrayList<>();
    for (PackageDataLayer l : layers) {
      layerPackage.add(sources.indexOf(l.source()));
    }
    layerPackage.add(-1); // the shared layer
    Set<String> include = new HashSet<>();
    for (Node n : target.values()) {
      Node s = stacked.get(n.name());
      if (s == null || !s.equals(n) || s.isHardlink() && !sameInode(n, target, stacked, origin, layerPackage, writer)) {
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
      // The entries the layers below do not give, in the single layer's order (folders before
      // what they hold, hardlink targets before their links).
      return count + writer.write(tar, include::contains);
    }, reports);
    List<String> sharedPackages = new ArrayList<>();
    for (int i = 0; i < sources.size(); i++) {
      if (!kept.contains(i)) {
        sharedPackages.add(sources.get(i).info().nameVersion());
      }
    }
    return new PackageLayers(layers, shared, sharedPackages, top, entries);
  }

  /**
   * Whether hardlink {@code h}, equal in both views, also shares its target's file in both: both
   * come from one package layer (which has the target first, as a package must) and the single
   * layer wrote both from that package. Otherwise which file a hardlink joins depends on the
   * order of layers and entries, so the group is rewritten on top.
   */
  private static boolean sameInode(Node h, Map<String, Node> target, Map<String, Node> stacked,
      Map<String, Integer> origin, List<Integer> layerPackage, LayerEntryWriter writer) {
    String t = h.link();
    Node tt = target.get(t);
    Node st = stacked.get(t);
    Integer layer = origin.get(h.name());
    if (tt == null || !tt.equals(st) || layer == null || !layer.equals(origin.get(t))) {
      return false;
    }
    int pkg = layerPackage.get(layer);
    return pkg >= 0 && writer.owner(h.name()) == pkg && writer.owner(t) == pkg;
  }

  /**
   * What extracting the layers' entries in order gives: a non-folder replaces a folder and all
   * below it. {@code origin} gets the index of the layer each path's final entry came from.
   */
  static Map<String, Node> stack(List<List<Node>> layers, Map<String, Integer> origin) {
    TreeMap<String, Node> view = new TreeMap<>();
    for (int i = 0; i < layers.size(); i++) {
      for (Node n : layers.get(i)) {
        if (n.name().isEmpty()) {
          continue;
        }
        Node before = view.get(n.name());
        if (before != null && before.isDirectory() && !n.isDirectory()) {
          view.subMap(n.name() + "/", n.name() + "0").clear(); // '0' follows '/'
        }
        view.put(n.name(), n);
        origin.put(n.name(), i);
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
}
