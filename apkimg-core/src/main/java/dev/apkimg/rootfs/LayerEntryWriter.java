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
import java.util.function.Predicate;

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
  /** What the writing passes report their progress to. */
  LayerMeter meter = LayerMeter.NONE;

  LayerEntryWriter(KeyLookup keys, LayerPlan plan, List<PackageSource> packages, RootfsSpec spec, RootfsTree tree,
      Map<String, GeneratedEntry> generated) {
    this.keys = keys;
    this.plan = plan;
    this.packages = packages;
    this.tree = tree;
    this.generated = generated;
    this.clamp = spec.timestamp();
  }

  /**
   * Where the entries go: a layer's tar, or a pass that only looks at them. {@code content} is
   * null for entries without bytes and, in a pass that does not read packages, for a package's
   * file ({@code from}, whose {@link PackageEntry#sha256} says what its bytes are).
   */
  @FunctionalInterface
  interface Sink {
    void entry(TarEntry header, InputStream content, PackageEntry from) throws IOException;
  }

  /** Writes every entry to {@code tar}; returns how many. */
  int write(TarWriter tar) throws IOException {
    return emit((h, content, from) -> tar.write(h, content), path -> true, true);
  }

  /**
   * Writes the entries whose path {@code include} accepts, each exactly as {@link #write} would;
   * a package none of whose included entries has bytes is not read at all.
   */
  int write(TarWriter tar, Predicate<String> include) throws IOException {
    return emit((h, content, from) -> tar.write(h, content), include, true);
  }

  /** Every entry {@link #write} would write, in order, without reading any package. */
  int plan(Sink sink) throws IOException {
    return emit(sink, path -> true, false);
  }

  /**
   * The SHA-256 (hex) of everything that decides the layer's bytes: every entry's header and the
   * digest of its content, in order, and the writer's format ({@link LayerReuse#FORMAT}). Reads
   * no package (a package file's content digest is its scan's).
   */
  String contentDigest() throws IOException {
    java.security.MessageDigest d = ApkChecksums.sha256();
    java.io.DataOutputStream out = new java.io.DataOutputStream(
        new java.security.DigestOutputStream(java.io.OutputStream.nullOutputStream(), d));
    out.writeUTF(LayerReuse.FORMAT);
    plan((h, content, from) -> {
      ScanCache.writeHeader(out, h);
      out.writeInt(h.pax().size());
      for (Map.Entry<String, String> x : new java.util.TreeMap<>(h.pax()).entrySet()) {
        out.writeUTF(x.getKey());
        out.writeUTF(x.getValue());
      }
      out.writeUTF(from != null ? from.sha256 : content == null ? "" : PackageDataLayer.sha256(content));
    });
    out.flush();
    return java.util.HexFormat.of().formatHex(d.digest());
  }

  /** The package (install index) whose entry is the final one at {@code path}, or -1. */
  int owner(String path) {
    PackageEntry w = plan.winners.get(path);
    return w == null ? -1 : w.pkg;
  }

  private int emit(Sink to, Predicate<String> include, boolean readPackages) throws IOException {
    // A writing pass counts the file bytes it moves as they pass.
    Sink sink = readPackages && meter != LayerMeter.NONE
        ? (h, content, from) -> to.entry(h, meter.counting(content), from) : to;
    int count = 0;
    // Which entries are written is decided for the whole layer, whatever is included, so that a
    // filtered pass writes each entry exactly as the whole layer has it.
    Set<String> written = new HashSet<>();
    for (GeneratedEntry g : ApkCreatedEntries.initdb(plan)) {
      PackageEntry shipped = plan.winners.get(g.path());
      if ((shipped == null || (shipped.isDir() && g.type() == TarEntry.DIRECTORY)) && tree.change(g.path()) == null) {
        written.add(g.path());
        if (include.test(g.path())) {
          writeGenerated(sink, g);
          count++;
        }
      }
    }
    for (int i = 0; i < packages.size(); i++) {
      count += emitPackage(sink, include, readPackages, i, written);
      if (readPackages) {
        meter.packageDone(i);
      }
    }

    // What apk's install scripts and database add, in a fixed order.
    for (GeneratedEntry g : generated.values()) {
      for (String parent : LayerPaths.parents(g.path())) {
        if (!plan.winners.containsKey(parent) && written.add(parent) && include.test(parent)) {
          writeGenerated(sink, GeneratedEntry.dir(parent, GeneratedEntry.DEFAULT_DIR_MODE));
          count++;
        }
      }
      if (tree.change(g.path()) == null && written.add(g.path()) && include.test(g.path())) {
        writeGenerated(sink, g);
        count++;
      }
    }
    count += writeMutations(written, sink, include);
    return count;
  }

  /** One package's winning entries, streamed from the package file only when some have bytes. */
  private int emitPackage(Sink sink, Predicate<String> include, boolean readPackages, int pkg, Set<String> written)
      throws IOException {
    List<PackageEntry> nodes = plan.perPackage.get(pkg);
    Out[] outs = new Out[nodes.size()];
    int wanted = 0;
    boolean needsBytes = false;
    for (PackageEntry n : nodes) {
      Out out = out(n, written);
      if (out == null) {
        continue;
      }
      written.add(out.path());
      if (include.test(out.path())) {
        outs[n.ordinal] = out;
        wanted++;
        needsBytes |= out.header().isRegular() && out.header().size() > 0;
      }
    }
    if (wanted == 0) {
      return 0;
    }
    if (!readPackages || !needsBytes) {
      for (Out out : outs) {
        if (out != null) {
          boolean file = out.header().isRegular();
          sink.entry(out.header(), file && readPackages ? InputStream.nullInputStream() : null, out.from());
        }
      }
      return wanted;
    }
    PackageSource src = packages.get(pkg);
    int[] ordinal = {0};
    try (InputStream in = new BufferedInputStream(Files.newInputStream(src.file()), 1 << 16)) {
      ApkPackageReader.read(in, keys, src.info().fileName(), (entry, content) -> {
        Out out = outs[ordinal[0]++];
        if (out != null) {
          sink.entry(out.header(), content, out.from());
        }
      });
    }
    return wanted;
  }

  /**
   * What the layer has at the place of package entry {@code n}, or null: the installed entry
   * with the mutations' mode and owner; for a hardlink group's file that lost its path (to a later
   * package or a mutation), the hardlink that now holds the group's bytes, under its own name (the
   * bytes pass here, and every other name of the group comes later in the package); nothing at that
   * hardlink's own place. {@code from} is the entry whose bytes are written.
   */
  private Out out(PackageEntry n, Set<String> written) {
    if (n.path.isEmpty()) {
      return null;
    }
    boolean installed = plan.installed(n) && !replacedByMutation(n.path);
    if (n.isDir()) {
      return installed && !written.contains(n.path) ? new Out(n.path, applyMutation(n.path, header(n)), n) : null;
    }
    if (n.type == TarEntry.REGULAR && !installed) {
      PackageEntry carrier = carrier(n);
      if (carrier == null) {
        return null;
      }
      RootfsTree.Entry t = tree.at(carrier.path);
      return new Out(carrier.path, new TarEntry(carrier.path, TarEntry.REGULAR, t.mode(), t.uid(), t.gid(), n.size,
          Math.min(carrier.mtime, clamp), null, 0, 0, carrier.xattrs, null), n);
    }
    if (!installed) {
      return null;
    }
    if (n.type == TarEntry.HARDLINK) {
      RootfsTree.Entry t = tree.at(n.path);
      if (t.type() != RootfsTree.Type.HARDLINK) {
        return null; // it holds the group's bytes, written at the place of the group's file
      }
      return new Out(n.path, new TarEntry(n.path, TarEntry.HARDLINK, t.mode(), t.uid(), t.gid(), 0,
          Math.min(n.mtime, clamp), t.link(), 0, 0, n.xattrs, null), n);
    }
    return new Out(n.path, applyMutation(n.path, header(n)), n);
  }

  /** The hardlink of {@code file}'s group that holds its bytes now that {@code file} lost its path, or null. */
  private PackageEntry carrier(PackageEntry file) {
    for (PackageEntry m : plan.hardlinks.getOrDefault(file, List.of())) {
      if (plan.installed(m) && !replacedByMutation(m.path) && tree.at(m.path).type() == RootfsTree.Type.FILE) {
        return m;
      }
    }
    return null;
  }

  /** A layer entry made from a package entry: its path, header, and the package entry whose bytes it has. */
  private record Out(String path, TarEntry header, PackageEntry from) {}

  private void writeGenerated(Sink sink, GeneratedEntry g) throws IOException {
    String name = g.type() == TarEntry.DIRECTORY ? g.path() + "/" : g.path();
    long size = g.content() == null ? 0 : g.content().length;
    TarEntry e = new TarEntry(name, g.type(), g.mode(), 0, 0, size, clamp, g.link(), g.major(), g.minor(), null, null);
    sink.entry(e, g.content() == null ? null : new ByteArrayInputStream(g.content()), null);
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
  private int writeMutations(Set<String> written, Sink sink, Predicate<String> include) throws IOException {
    int count = 0;
    for (RootfsTree.Change c : tree.changesInOrder()) {
      RootfsTree.Entry e = c.entry();
      if (!written.add(e.path()) || !include.test(e.path())) {
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
        sink.entry(new TarEntry(name, type, e.mode(), e.uid(), e.gid(), 0, clamp, e.link(), major, minor, null, null),
            null, null);
      } else if (c.hostFile() != null) {
        try (InputStream in = Files.newInputStream(c.hostFile())) {
          sink.entry(TarEntry.file(name, e.mode(), e.uid(), e.gid(), c.hostSize(), clamp), in, null);
        } catch (IOException ex) {
          throw new ApkimgException("cannot copy " + c.hostFile() + " into the image (did it change while the image "
              + "was being built?): " + ex.getMessage(), ex);
        }
      } else {
        byte[] bytes = c.content() != null ? c.content() : tree.baseContent(e.path());
        if (bytes == null) {
          throw new IllegalStateException("no bytes for changed file " + e.path());
        }
        sink.entry(TarEntry.file(name, e.mode(), e.uid(), e.gid(), bytes.length, clamp), new ByteArrayInputStream(bytes),
            null);
      }
      count++;
    }
    return count;
  }

  /** The layer's header for a package entry (not a hardlink): numeric owners only, time clamped, xattrs kept. */
  private TarEntry header(PackageEntry n) {
    String name = n.isDir() ? n.path + "/" : n.path;
    return new TarEntry(name, n.type, n.mode, n.uid, n.gid, n.size, Math.min(n.mtime, clamp), n.link,
        n.devMajor, n.devMinor, n.xattrs, null);
  }
}
