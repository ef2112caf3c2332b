package dev.apkimg.rootfs;

import dev.apkimg.tar.TarEntry;
import dev.apkimg.tar.TarReader;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;

/**
 * The layers under the root filesystem layer when layering by packages: each package's data
 * stream verbatim ({@link PackageDataLayer}), bottom first in install order, and, when a
 * package layer has a path the root filesystem lacks, a small layer of OCI whiteouts
 * ({@code .wh.NAME}) above them. The root filesystem layer goes on top and holds every path's
 * final state, so the unpacked image is the single-layer build's root filesystem exactly.
 *
 * <p>Above the budget, the smallest packages get no layer of their own: their files are in the
 * top layer, which holds everything anyway.
 */
public record PackageLayers(List<PackageDataLayer> packages, LayerResult whiteouts) {
  public PackageLayers {
    packages = List.copyOf(packages);
  }

  /**
   * The package layers for {@code sources} under {@code top} (the root filesystem layer already
   * written), at most {@code budget} of them, the largest kept.
   */
  public static PackageLayers of(List<PackageSource> sources, LayerResult top, int budget, Path workDir,
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

    Set<String> present = topNames(top.file());
    TreeSet<String> missing = new TreeSet<>();
    for (PackageDataLayer l : layers) {
      for (String n : l.names()) {
        if (!n.isEmpty() && !present.contains(n)) {
          missing.add(n);
        }
      }
    }
    // Whiteout only the highest missing path: its whiteout hides everything below it.
    List<String> whiteouts = new ArrayList<>();
    for (String n : missing) {
      if (whiteouts.isEmpty() || !n.startsWith(whiteouts.get(whiteouts.size() - 1) + "/")) {
        whiteouts.add(n);
      }
    }
    LayerResult wh = null;
    if (!whiteouts.isEmpty()) {
      wh = LayerOutput.write(workDir.resolve("whiteouts.tar.gz"), tar -> {
        for (String n : whiteouts) {
          int slash = n.lastIndexOf('/');
          String name = (slash < 0 ? "" : n.substring(0, slash + 1)) + ".wh." + n.substring(slash + 1);
          tar.write(TarEntry.file(name, 0644, 0, 0, 0, mtime), InputStream.nullInputStream());
        }
        return whiteouts.size();
      }, List.of());
    }
    return new PackageLayers(layers, wh);
  }

  private static Set<String> topNames(Path gz) throws IOException {
    Set<String> names = new HashSet<>();
    try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(gz), 1 << 16), 1 << 16)) {
      TarReader tar = new TarReader(in);
      TarEntry e;
      while ((e = tar.next()) != null) {
        names.add(PackageDataLayer.clean(e.name()));
      }
    }
    return names;
  }
}
