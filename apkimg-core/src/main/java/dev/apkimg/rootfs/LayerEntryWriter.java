package dev.apkimg.rootfs;

import dev.apkimg.ApkimgException;
import dev.apkimg.apk.ApkPackageReader;
import dev.apkimg.apk.KeyLookup;
import dev.apkimg.tar.TarEntry;
import dev.apkimg.tar.TarWriter;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The layer's second pass: writes the entries in their fixed order (what apk creates first, then
 * each package's winning entries streamed straight from the package file, then apk's generated
 * files, then what mutations added or replaced). Every header field is fixed by content, so the
 * bytes are the same on every run. Apart from the planning because this is the only place that
 * moves file bytes.
 */
final class LayerEntryWriter {
  private final KeyLookup keys;
  private final LayerPlan plan;
  private final List<PackageSource> packages;
  private final RootfsTree tree;
  private final Map<String, GeneratedEntry> generated;
  private final long clamp;

  LayerEntryWriter(KeyLookup keys, LayerPlan plan, List<PackageSource> packages, RootfsSpec spec, RootfsTree tree,
      Map<String, GeneratedEntry> generated) {
    this.keys = keys;
    this.plan = plan;
    this.packages = packages;
    this.tree = tree;
    this.generated = generated;
    this.clamp = spec.timestamp();
  }

  /** Writes every entry to {@code tar}; returns how many. */
  int write(TarWriter tar) throws IOException {
    int[] count = {0};
    Set<String> written = new HashSet<>();
    for (GeneratedEntry g : ApkCreatedEntries.initdb(plan)) {
      PackageEntry shipped = plan.winners.get(g.path());
      if ((shipped == null || (shipped.isDir() && g.type() == TarEntry.DIRECTORY)) && tree.change(g.path()) == null) {
        writeGenerated(tar, g);
        written.add(g.path());
        count[0]++;
      }
    }
    for (int i = 0; i < packages.size(); i++) {
      PackageSource src = packages.get(i);
      int pkg = i;
      List<PackageEntry> nodes = plan.perPackage.get(i);
      int[] ordinal = {0};
      try (InputStream in = new BufferedInputStream(Files.newInputStream(src.file()), 1 << 16)) {
        ApkPackageReader.read(in, keys, src.info().fileName(), (entry, content) -> {
          String path = LayerPaths.normalize(entry.name());
          if (path.isEmpty()) {
            return;
          }
          PackageEntry n = nodes.get(ordinal[0]++);
          PackageEntry winner = plan.winners.get(path);
          if (winner.pkg != pkg || winner.ordinal != n.ordinal || (n.isDir() && written.contains(path))
              || replacedByMutation(path)) {
            return;
          }
          tar.write(applyMutation(path, header(n)), content);
          written.add(path);
          count[0]++;
        });
      }
    }

    // What apk's install scripts and database add, in a fixed order.
    for (GeneratedEntry g : generated.values()) {
      for (String parent : LayerPaths.parents(g.path())) {
        if (!plan.winners.containsKey(parent) && written.add(parent)) {
          writeGenerated(tar, GeneratedEntry.dir(parent, GeneratedEntry.DEFAULT_DIR_MODE));
          count[0]++;
        }
      }
      if (tree.change(g.path()) == null && written.add(g.path())) {
        writeGenerated(tar, g);
        count[0]++;
      }
    }
    count[0] += writeMutations(written, tar);
    return count[0];
  }

  private void writeGenerated(TarWriter tar, GeneratedEntry g) throws IOException {
    String name = g.type() == TarEntry.DIRECTORY ? g.path() + "/" : g.path();
    long size = g.content() == null ? 0 : g.content().length;
    TarEntry e = new TarEntry(name, g.type(), g.mode(), 0, 0, size, clamp, g.link(), g.major(), g.minor(), null, null);
    tar.write(e, g.content() == null ? null : new ByteArrayInputStream(g.content()));
  }

  /** A shipped entry whose bytes a mutation replaced is written with the mutations, not here. */
  private boolean replacedByMutation(String path) {
    RootfsTree.Change c = tree.change(path);
    return c != null && !c.metadataOnly();
  }

  /** A shipped entry whose mode or owner a mutation changed keeps its place and bytes. */
  private TarEntry applyMutation(String path, TarEntry out) {
    RootfsTree.Change c = tree.change(path);
    if (c == null) {
      return out;
    }
    return new TarEntry(out.name(), out.type(), c.entry().mode(), c.entry().uid(), c.entry().gid(), out.size(),
        out.mtime(), out.linkName(), out.devMajor(), out.devMinor(), out.xattrs(), out.pax());
  }

  /** New and replaced entries, in path order (hardlinks last), at the clamp time. */
  private int writeMutations(Set<String> written, TarWriter tar) throws IOException {
    int count = 0;
    for (RootfsTree.Change c : tree.changesInOrder()) {
      RootfsTree.Entry e = c.entry();
      if (!written.add(e.path())) {
        continue;
      }
      byte type = PlannedTree.tarType(e.type());
      GeneratedEntry g = generated.get(e.path());
      if (g == null) {
        g = ApkCreatedEntries.initdb(false).stream().filter(x -> x.path().equals(e.path())).findFirst().orElse(null);
      }
      boolean device = type == TarEntry.CHARACTER_DEVICE || type == TarEntry.BLOCK_DEVICE;
      int major = g != null && device ? g.major() : 0;
      int minor = g != null && device ? g.minor() : 0;
      String name = e.isDirectory() ? e.path() + "/" : e.path();
      if (type != TarEntry.REGULAR) {
        tar.write(new TarEntry(name, type, e.mode(), e.uid(), e.gid(), 0, clamp, e.link(), major, minor, null, null),
            null);
      } else if (c.hostFile() != null) {
        try (InputStream in = Files.newInputStream(c.hostFile())) {
          tar.write(TarEntry.file(name, e.mode(), e.uid(), e.gid(), c.hostSize(), clamp), in);
        } catch (IOException ex) {
          throw new ApkimgException("cannot copy " + c.hostFile() + " into the image (did it change while the image "
              + "was being built?): " + ex.getMessage(), ex);
        }
      } else {
        byte[] bytes = c.content() != null ? c.content() : tree.baseContent(e.path());
        if (bytes == null) {
          throw new IllegalStateException("no bytes for changed file " + e.path());
        }
        tar.write(TarEntry.file(name, e.mode(), e.uid(), e.gid(), bytes.length, clamp), new ByteArrayInputStream(bytes));
      }
      count++;
    }
    return count;
  }

  /** The layer's header for a package entry: numeric owners only, time clamped, xattrs kept. */
  private TarEntry header(PackageEntry n) {
    String name = n.isDir() ? n.path + "/" : n.path;
    String link = n.link == null ? null : n.type == TarEntry.HARDLINK ? LayerPaths.normalize(n.link) : n.link;
    return new TarEntry(name, n.type, n.mode, n.uid, n.gid, n.size, Math.min(n.mtime, clamp), link,
        n.devMajor, n.devMinor, n.xattrs, null);
  }
}
