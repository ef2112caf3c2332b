package dev.apkimg.rootfs;

import dev.apkimg.ApkimgException;
import dev.apkimg.apk.ApkPackage;
import dev.apkimg.apk.ApkPackageReader;
import dev.apkimg.apk.Dependency;
import dev.apkimg.apk.InstallScript;
import dev.apkimg.apk.InstalledDatabaseWriter;
import dev.apkimg.apk.KeyLookup;
import dev.apkimg.apk.ScriptsTarWriter;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import dev.apkimg.tar.TarEntry;
import dev.apkimg.tar.TarFormatException;
import dev.apkimg.tar.TarWriter;

/**
 * Merges the data streams of packages, in install order, into one gzipped tar layer that is the
 * root filesystem apk would have made, plus apk's database and configuration.
 *
 * <p>Two passes over the (cached, verified) package files keep memory flat whatever the package
 * sizes: the first learns every path and which package finally owns it; the second streams each
 * winning entry's bytes straight from the package into the layer. Entry order follows install
 * order and tar order, and every header field is fixed by content, so the bytes are the same on
 * every run.
 *
 * <p>Packages are outside input. Every entry obeys {@link PackageEntryRules} (apk-tools' rules:
 * clean relative names, folders made by the package first, hardlinks to its own earlier files);
 * no entry goes through a link, and none stands where apk writes its own files; a package's files
 * may not add up to more than its index entry's installed size ({@link #SIZE_SLACK}); file bytes
 * are streamed, and only files that mutations edit are held, up to {@link #MAX_HELD_FILE}.
 */
public final class LayerWriter {
  private static final String CHECKSUM_PAX = "APK-TOOLS.checksum.SHA1";
  private static final String BUSYBOX_PATHS = "etc/busybox-paths.d/";
  private static final int DEFAULT_DIR_MODE = 0755;
  /**
   * How far the bytes of a package's files may exceed the installed size it declares. apk-tools
   * never checks that size (it only shows it); abuild declares {@code du} of the package folder,
   * at least the files' bytes (each rounded up to a 4 KiB block, plus 4 KiB per directory, on
   * the usual file systems). The plain sum of file sizes is the bound, as other package builders
   * may declare just that; the slack absorbs {@code du}'s block accounting for sparse files and
   * compressing file systems in small packages.
   */
  static final long SIZE_SLACK = 1L << 20;
  /** Entries per package: each costs memory while the layer is planned, whatever its size. */
  static final int MAX_ENTRIES = 1_000_000;
  /** The largest file whose bytes are held in memory (account files, busybox's applet lists). */
  static final long MAX_HELD_FILE = 16L << 20;
  /** apk-tools' order of script types, in which it writes {@code scripts.tar}. */
  private static final List<String> SCRIPT_ORDER = List.of(
      "pre-install", "post-install", "pre-deinstall", "post-deinstall", "pre-upgrade", "post-upgrade", "trigger");

  private final KeyLookup keys;

  public LayerWriter(KeyLookup keys) {
    this.keys = keys;
  }

  /** Writes the layer to {@code output} (atomically: nothing is left there on failure). */
  public LayerResult write(List<PackageSource> packages, RootfsSpec spec, Path output) throws IOException {
    List<RootfsMutation> mutations = new ArrayList<>();
    mutations.add(new InstallScriptEffects());
    mutations.addAll(spec.mutations());
    java.util.Set<String> captures = new java.util.HashSet<>();
    mutations.forEach(m -> captures.addAll(m.reads()));
    Plan plan = plan(packages, captures);
    Map<String, Generated> generated = new TreeMap<>();
    addApkFiles(plan, packages, spec, generated);
    addBusyboxLinks(plan, generated);
    checkApkPaths(plan, packages, generated);
    RootfsTree tree = tree(plan, spec, generated);
    for (RootfsMutation m : mutations) {
      m.apply(tree);
    }
    Path dir = output.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, ".layer", ".tmp");
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    java.util.concurrent.ExecutorService compressors = java.util.concurrent.Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "apkimg-gzip");
      t.setDaemon(true);
      return t;
    });
    try {
      MessageDigest compressedDigest = sha256();
      MessageDigest tarDigest = sha256();
      CountingOutputStream compressedCount;
      CountingOutputStream tarCount;
      int entries;
      try (OutputStream file = Files.newOutputStream(tmp);
           OutputStream buffered = new BufferedOutputStream(file, 1 << 16);
           DigestOutputStream hashed = new DigestOutputStream(buffered, compressedDigest)) {
        compressedCount = new CountingOutputStream(hashed);
        // gzip is the slow step for big images: compress blocks in parallel, same bytes every time.
        ParallelGzipOutputStream gzip = new ParallelGzipOutputStream(compressedCount, compressors,
            java.util.zip.Deflater.DEFAULT_COMPRESSION, threads);
        tarCount = new CountingOutputStream(new DigestOutputStream(gzip, tarDigest));
        TarWriter tar = new TarWriter(tarCount);
        entries = writeEntries(plan, packages, spec, tree, generated, tar);
        tar.finish();
        gzip.finish();
      }
      Files.move(tmp, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return new LayerResult(output, "sha256:" + HexFormat.of().formatHex(compressedDigest.digest()),
          "sha256:" + HexFormat.of().formatHex(tarDigest.digest()), compressedCount.count, tarCount.count,
          entries, tree.reports());
    } finally {
      compressors.shutdownNow();
      Files.deleteIfExists(tmp);
    }
  }

  // ---------------------------------------------------------------- pass 1: what goes where

  /** One data entry of one package, without its bytes. */
  private static final class Node {
    final int pkg;
    final int ordinal;
    final String path;
    final byte type;
    final int mode;
    final long uid;
    final long gid;
    final long size;
    final String link;
    final long mtime;
    final int devMajor;
    final int devMinor;
    final java.util.SortedMap<String, byte[]> xattrs;
    String checksum;

    Node(int pkg, int ordinal, TarEntry e, String path) {
      this.pkg = pkg;
      this.ordinal = ordinal;
      this.path = path;
      this.type = e.type();
      this.mode = e.mode();
      this.uid = e.uid();
      this.gid = e.gid();
      this.size = e.isRegular() ? e.size() : 0;
      this.link = e.isSymlink() || e.isHardlink() ? e.linkName() : null;
      this.mtime = e.mtime();
      this.devMajor = e.devMajor();
      this.devMinor = e.devMinor();
      this.xattrs = e.xattrs();
    }

    boolean isDir() {
      return type == TarEntry.DIRECTORY;
    }

    /** apk's checksum of the extended attributes ({@code a:} / {@code M:} suffix), or null. */
    String xattrChecksum() {
      if (xattrs.isEmpty()) {
        return null;
      }
      MessageDigest d = sha1Digest();
      for (Map.Entry<String, byte[]> x : xattrs.entrySet()) {
        byte[] name = x.getKey().getBytes(StandardCharsets.UTF_8);
        d.update(java.nio.ByteBuffer.allocate(4).putInt(name.length).array());
        d.update(name);
        d.update(java.nio.ByteBuffer.allocate(4).putInt(x.getValue().length).array());
        d.update(x.getValue());
      }
      return q1(d.digest());
    }
  }

  private static final class Plan {
    final Map<String, Node> winners = new HashMap<>();
    final List<List<Node>> perPackage = new ArrayList<>();
    final List<ApkPackage> metadata = new ArrayList<>();
    final Map<String, byte[]> busyboxLists = new TreeMap<>();
    /** Bytes of the winning entries that mutations read (RootfsMutation.reads()). */
    final Map<Node, byte[]> captured = new java.util.IdentityHashMap<>();
  }

  /** What reading one package's data stream found: its entries (without bytes) and metadata. */
  private record Scan(List<Node> nodes, ApkPackage meta, Map<String, byte[]> busyboxLists,
      Map<Node, byte[]> captured) {}

  private Plan plan(List<PackageSource> packages, java.util.Set<String> captures) throws IOException {
    Plan plan = new Plan();
    // Reading (inflating, verifying) is independent per package: do it in parallel, then decide
    // ownership in install order, so the result does not depend on timing.
    List<Scan> scans = scanAll(packages, captures);
    for (Scan scan : scans) {
      plan.metadata.add(scan.meta());
      plan.perPackage.add(scan.nodes());
      plan.busyboxLists.putAll(scan.busyboxLists());
      plan.captured.putAll(scan.captured());
      for (Node n : scan.nodes()) {
        checkParents(plan, packages, n);
        claim(plan, packages, n);
      }
    }
    // Hardlinks without a checksum of their own record their target's.
    for (List<Node> nodes : plan.perPackage) {
      for (Node n : nodes) {
        if (n.type == TarEntry.HARDLINK && n.checksum == null) {
          Node target = plan.winners.get(normalize(n.link));
          n.checksum = target == null ? null : target.checksum;
        }
      }
    }
    return plan;
  }

  private List<Scan> scanAll(List<PackageSource> packages, java.util.Set<String> captures) throws IOException {
    int threads = Math.max(1, Math.min(packages.size(), Runtime.getRuntime().availableProcessors()));
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "apkimg-scan");
      t.setDaemon(true);
      return t;
    });
    try {
      List<java.util.concurrent.Future<Scan>> futures = new ArrayList<>();
      for (int i = 0; i < packages.size(); i++) {
        int pkg = i;
        futures.add(pool.submit(() -> scan(packages.get(pkg), pkg, captures)));
      }
      List<Scan> scans = new ArrayList<>();
      for (java.util.concurrent.Future<Scan> f : futures) {
        try {
          scans.add(f.get());
        } catch (java.util.concurrent.ExecutionException e) {
          Throwable cause = e.getCause();
          if (cause instanceof IOException io) {
            throw io;
          }
          if (cause instanceof RuntimeException re) {
            throw re;
          }
          throw new IOException(cause);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("interrupted while reading packages");
        }
      }
      return scans;
    } finally {
      pool.shutdownNow();
    }
  }

  private Scan scan(PackageSource src, int pkg, java.util.Set<String> captures) throws IOException {
    List<Node> nodes = new ArrayList<>();
    Map<String, Node> seen = new HashMap<>(); // this package's entries so far, by path
    Map<String, byte[]> busyboxLists = new TreeMap<>();
    Map<Node, byte[]> captured = new java.util.IdentityHashMap<>();
    // The index's I: bounds the files as they come; an index without it, the .PKGINFO size (read
    // with the control stream, known here only after the data) before anything is written.
    long declared = src.info().installedSize();
    long limit = declared > 0 ? declared + SIZE_SLACK : Long.MAX_VALUE;
    long[] content = {0};
    ApkPackage meta;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(src.file()), 1 << 16)) {
      meta = ApkPackageReader.read(in, keys, src.info().fileName(), (entry, bytes) -> {
        String why = PackageEntryRules.checkHeader(entry);
        if (why != null) {
          throw PackageEntryRules.refuse(src, entry.name(), why);
        }
        if (nodes.size() >= MAX_ENTRIES) {
          throw new ApkimgException("package " + src.info().nameVersion() + " has more than " + MAX_ENTRIES
              + " entries; the package is broken or hostile, and is not installed");
        }
        String path = normalize(entry.name());
        Node n = new Node(pkg, nodes.size(), entry, path);
        checkPlace(src, seen, n, entry.name());
        seen.put(path, n);
        if (entry.isRegular()) {
          // Bounded by the header before any byte is read: a small package cannot unpack to more
          // than its index entry says it installs.
          content[0] += entry.size();
          if (content[0] > limit) {
            throw tooLarge(src, declared, "its index entry", entry.name());
          }
          String hex = entry.pax().get(CHECKSUM_PAX);
          boolean busyboxList = path.startsWith(BUSYBOX_PATHS);
          if (busyboxList || captures.contains(path)) {
            // The one place file bytes are held: small text files that mutations edit.
            if (entry.size() > MAX_HELD_FILE) {
              throw new ApkimgException("package " + src.info().nameVersion() + " has a " + entry.size()
                  + "-byte /" + path + "; apkimg reads a file it edits or follows only up to "
                  + MAX_HELD_FILE + " bytes");
            }
            byte[] data = bytes.readAllBytes();
            if (busyboxList) {
              busyboxLists.put(path, data);
            } else {
              captured.put(n, data);
            }
            n.checksum = q1(sha1(data));
          } else if (hex != null) {
            n.checksum = "Q1" + Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex));
          } else {
            n.checksum = q1(sha1(bytes));
          }
        } else if (entry.isSymlink()) {
          n.checksum = q1(sha1(entry.linkName().getBytes(StandardCharsets.UTF_8)));
        } else if (entry.isHardlink()) {
          String hex = entry.pax().get(CHECKSUM_PAX);
          if (hex != null) {
            n.checksum = "Q1" + Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex));
          }
        }
        nodes.add(n);
      });
    } catch (TarFormatException e) {
      throw new ApkimgException("package " + src.info().nameVersion() + " has an unsafe entry: " + e.getMessage()
          + "; the package is broken or hostile, and is not installed", e);
    }
    long pkginfoSize = meta.info().installedSize();
    if (declared <= 0 && content[0] > pkginfoSize + SIZE_SLACK) {
      throw tooLarge(src, pkginfoSize, "its .PKGINFO", null);
    }
    return new Scan(nodes, meta, busyboxLists, captured);
  }

  private static ApkimgException tooLarge(PackageSource src, long declared, String declaredBy, String at) {
    return new ApkimgException("package " + src.info().nameVersion() + " unpacks to more than the " + declared
        + " bytes " + declaredBy + " declares as its installed size"
        + (at == null ? "" : " (at " + TarFormatException.quote(at) + ")")
        + "; the package or its index is wrong or hostile");
  }

  /**
   * Where an entry may go, given the package's entries before it (apk's rules): a directory of
   * this package holds it, a path appears once (or again with the same type), and a hardlink
   * joins a file the package already wrote, as tar requires.
   */
  private static void checkPlace(PackageSource src, Map<String, Node> seen, Node n, String name) {
    int slash = n.path.lastIndexOf('/');
    if (slash > 0) {
      Node parent = seen.get(n.path.substring(0, slash));
      if (parent == null || !parent.isDir()) {
        throw PackageEntryRules.refuse(src, name, parent == null
            ? "its folder /" + n.path.substring(0, slash) + " is not a directory entry before it in the package"
            : "it goes through /" + parent.path + ", which the package made a " + kind(parent.type));
      }
    }
    Node earlier = seen.get(n.path);
    if (earlier != null && earlier.type != n.type) {
      throw PackageEntryRules.refuse(src, name, "the package has it twice, as a " + kind(earlier.type)
          + " and as a " + kind(n.type));
    }
    if (n.type == TarEntry.HARDLINK) {
      String target = normalize(n.link);
      Node t = seen.get(target);
      if (t == null || (t.type != TarEntry.REGULAR && t.type != TarEntry.HARDLINK)) {
        throw PackageEntryRules.refuse(src, name, "it is a hardlink to /" + target
            + (t == null ? ", which is not a file earlier in the package" : ", which is a " + kind(t.type)));
      }
    }
  }

  private static String kind(byte type) {
    return switch (type) {
      case TarEntry.DIRECTORY -> "directory";
      case TarEntry.SYMLINK -> "symlink";
      case TarEntry.HARDLINK -> "hardlink";
      case TarEntry.CHARACTER_DEVICE -> "character device";
      case TarEntry.BLOCK_DEVICE -> "block device";
      case TarEntry.FIFO -> "FIFO";
      default -> "file";
    };
  }

  /**
   * No entry goes through a symlink or file that an earlier package (or this one) put in the
   * layer: tar and container runtimes would write it through the link, outside the path it names,
   * and past the file-conflict check. (A package's own folders are directory entries, and a
   * directory never replaces another package's symlink, so this holds already; checked anyway.)
   */
  private static void checkParents(Plan plan, List<PackageSource> packages, Node n) {
    for (String parent : parents(n.path)) {
      Node w = plan.winners.get(parent);
      if (w != null && !w.isDir()) {
        throw PackageEntryRules.refuse(packages.get(n.pkg), n.path, "it goes through /" + parent + ", a "
            + kind(w.type) + " of " + packages.get(w.pkg).info().nameVersion());
      }
    }
  }

  /** Decides who owns a path when several packages ship it, as apk does. */
  private static void claim(Plan plan, List<PackageSource> packages, Node n) {
    Node old = plan.winners.get(n.path);
    if (old == null) {
      plan.winners.put(n.path, n);
      return;
    }
    if (old.isDir() && n.isDir()) {
      return; // the first package's directory stays; both record it in the database
    }
    if (old.pkg == n.pkg) {
      plan.winners.put(n.path, n);
      return;
    }
    String oldName = packages.get(old.pkg).info().name();
    String newName = packages.get(n.pkg).info().name();
    boolean same = old.type == n.type && old.checksum != null && old.checksum.equals(n.checksum);
    boolean newReplacesOld = replaces(plan, packages, n.pkg, oldName);
    boolean oldReplacesNew = replaces(plan, packages, old.pkg, newName);
    if (old.isDir() != n.isDir()) {
      // Not even replaces allows it: a directory over a link would put the later package's files
      // wherever the link points.
      throw new ApkimgException("file conflict: /" + n.path + " is a " + kind(old.type) + " in "
          + packages.get(old.pkg).info().nameVersion() + " and a " + kind(n.type) + " in "
          + packages.get(n.pkg).info().nameVersion() + " (a package cannot replace one with the other)");
    }
    if (!(same || newReplacesOld || oldReplacesNew)) {
      throw new ApkimgException("file conflict: /" + n.path + " is in both "
          + packages.get(old.pkg).info().nameVersion() + " and " + packages.get(n.pkg).info().nameVersion()
          + " (neither replaces the other)");
    }
    if (!oldReplacesNew || newReplacesOld) {
      plan.winners.put(n.path, n);
    }
  }

  /**
   * Whether package {@code pkg} replaces {@code name}. apk reads replaces from {@code .PKGINFO}
   * ({@code apk index} writes no {@code r:}), so the package's own metadata counts, not only the index's.
   */
  private static boolean replaces(Plan plan, List<PackageSource> packages, int pkg, String name) {
    List<Dependency> all = new ArrayList<>(packages.get(pkg).info().replaces());
    all.addAll(plan.metadata.get(pkg).info().replaces());
    for (Dependency r : all) {
      if (r.name().equals(name)) {
        return true;
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- pass 2: the bytes

  private int writeEntries(Plan plan, List<PackageSource> packages, RootfsSpec spec, RootfsTree tree,
      Map<String, Generated> generated, TarWriter tar) throws IOException {
    long clamp = spec.timestamp();
    int[] count = {0};
    java.util.Set<String> written = new java.util.HashSet<>();
    for (Generated g : initdbEntries(plan)) {
      Node shipped = plan.winners.get(g.path());
      if ((shipped == null || (shipped.isDir() && g.type() == TarEntry.DIRECTORY)) && tree.change(g.path()) == null) {
        writeGenerated(tar, g, clamp);
        written.add(g.path());
        count[0]++;
      }
    }
    for (int i = 0; i < packages.size(); i++) {
      PackageSource src = packages.get(i);
      int pkg = i;
      List<Node> nodes = plan.perPackage.get(i);
      int[] ordinal = {0};
      try (InputStream in = new BufferedInputStream(Files.newInputStream(src.file()), 1 << 16)) {
        ApkPackageReader.read(in, keys, src.info().fileName(), (entry, content) -> {
          String path = normalize(entry.name());
          if (path.isEmpty()) {
            return;
          }
          Node n = nodes.get(ordinal[0]++);
          Node winner = plan.winners.get(path);
          if (winner.pkg != pkg || winner.ordinal != n.ordinal || (n.isDir() && written.contains(path))
              || replacedByMutation(tree, path)) {
            return;
          }
          tar.write(applyMutation(tree, path, header(n, clamp)), content);
          written.add(path);
          count[0]++;
        });
      }
    }

    // What apk's install scripts and database add, in a fixed order.
    for (Generated g : generated.values()) {
      for (String parent : parents(g.path)) {
        if (!plan.winners.containsKey(parent) && written.add(parent)) {
          writeGenerated(tar, Generated.dir(parent, DEFAULT_DIR_MODE), clamp);
          count[0]++;
        }
      }
      if (tree.change(g.path()) == null && written.add(g.path)) {
        writeGenerated(tar, g, clamp);
        count[0]++;
      }
    }
    count[0] += writeMutations(tree, generated, written, tar, clamp);
    return count[0];
  }

  // ---------------------------------------------------------------- mutations (RootfsMutation)

  /** The tree mutations see: what apk creates, the packages' winners, apk's generated files. */
  private static RootfsTree tree(Plan plan, RootfsSpec spec, Map<String, Generated> generated) {
    Map<String, RootfsTree.Entry> base = new HashMap<>();
    Map<String, byte[]> content = new HashMap<>();
    for (Generated g : generated.values()) {
      for (String parent : parents(g.path())) {
        base.putIfAbsent(parent, new RootfsTree.Entry(parent, RootfsTree.Type.DIRECTORY, DEFAULT_DIR_MODE, 0, 0, null));
      }
      base.put(g.path(), treeEntry(g));
      if (g.content() != null) {
        content.put(g.path(), g.content());
      }
    }
    for (Node n : plan.winners.values()) {
      RootfsTree.Type type = treeType(n.type);
      String link = n.link == null ? null : type == RootfsTree.Type.HARDLINK ? normalize(n.link) : n.link;
      base.put(n.path, new RootfsTree.Entry(n.path, type, n.mode, n.uid, n.gid, link));
      content.remove(n.path);
      byte[] bytes = plan.captured.get(n);
      if (bytes != null) {
        content.put(n.path, bytes);
      }
    }
    for (Generated g : initdbEntries(plan)) {
      Node shipped = plan.winners.get(g.path());
      if (shipped == null || (shipped.isDir() && g.type() == TarEntry.DIRECTORY)) {
        base.put(g.path(), treeEntry(g));
      }
    }
    List<RootfsTree.PackageScripts> scripts = new ArrayList<>();
    for (ApkPackage meta : plan.metadata) {
      if (!meta.scripts().isEmpty()) {
        scripts.add(new RootfsTree.PackageScripts(meta.info().nameVersion(), meta.scripts()));
      }
    }
    boolean busyboxLinks = plan.winners.containsKey("bin/busybox") && !plan.busyboxLists.isEmpty();
    return new RootfsTree(spec.timestamp(), base, content, scripts, busyboxLinks);
  }

  private static RootfsTree.Entry treeEntry(Generated g) {
    return new RootfsTree.Entry(g.path(), treeType(g.type()), g.mode(), 0, 0, g.link());
  }

  private static RootfsTree.Type treeType(byte type) {
    return switch (type) {
      case TarEntry.DIRECTORY -> RootfsTree.Type.DIRECTORY;
      case TarEntry.SYMLINK -> RootfsTree.Type.SYMLINK;
      case TarEntry.HARDLINK -> RootfsTree.Type.HARDLINK;
      case TarEntry.CHARACTER_DEVICE -> RootfsTree.Type.CHAR_DEVICE;
      case TarEntry.BLOCK_DEVICE -> RootfsTree.Type.BLOCK_DEVICE;
      case TarEntry.FIFO -> RootfsTree.Type.FIFO;
      default -> RootfsTree.Type.FILE;
    };
  }

  /** A shipped entry whose bytes a mutation replaced is written with the mutations, not here. */
  private static boolean replacedByMutation(RootfsTree tree, String path) {
    RootfsTree.Change c = tree.change(path);
    return c != null && !c.metadataOnly();
  }

  /** A shipped entry whose mode or owner a mutation changed keeps its place and bytes. */
  private static TarEntry applyMutation(RootfsTree tree, String path, TarEntry out) {
    RootfsTree.Change c = tree.change(path);
    if (c == null) {
      return out;
    }
    return new TarEntry(out.name(), out.type(), c.entry().mode(), c.entry().uid(), c.entry().gid(), out.size(),
        out.mtime(), out.linkName(), out.devMajor(), out.devMinor(), out.xattrs(), out.pax());
  }

  /** New and replaced entries, in path order (hardlinks last), at the clamp time. */
  private static int writeMutations(RootfsTree tree, Map<String, Generated> generated, java.util.Set<String> written,
      TarWriter tar, long clamp) throws IOException {
    int count = 0;
    for (RootfsTree.Change c : tree.changesInOrder()) {
      RootfsTree.Entry e = c.entry();
      if (!written.add(e.path())) {
        continue;
      }
      byte type = switch (e.type()) {
        case DIRECTORY -> TarEntry.DIRECTORY;
        case SYMLINK -> TarEntry.SYMLINK;
        case HARDLINK -> TarEntry.HARDLINK;
        case CHAR_DEVICE -> TarEntry.CHARACTER_DEVICE;
        case BLOCK_DEVICE -> TarEntry.BLOCK_DEVICE;
        case FIFO -> TarEntry.FIFO;
        case FILE -> TarEntry.REGULAR;
      };
      Generated g = generated.get(e.path());
      if (g == null) {
        g = initdbEntries(new Plan()).stream().filter(x -> x.path().equals(e.path())).findFirst().orElse(null);
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
        tar.write(TarEntry.file(name, e.mode(), e.uid(), e.gid(), bytes.length, clamp),
            new java.io.ByteArrayInputStream(bytes));
      }
      count++;
    }
    return count;
  }

  /** The layer's header for a package entry: numeric owners only, time clamped, xattrs kept. */
  private static TarEntry header(Node n, long clamp) {
    String name = n.isDir() ? n.path + "/" : n.path;
    String link = n.link == null ? null : n.type == TarEntry.HARDLINK ? normalize(n.link) : n.link;
    return new TarEntry(name, n.type, n.mode, n.uid, n.gid, n.size, Math.min(n.mtime, clamp), link,
        n.devMajor, n.devMinor, n.xattrs, null);
  }

  /** A file, directory or symlink that apk (not a package) creates. */
  private record Generated(String path, byte type, int mode, byte[] content, String link, int major, int minor) {
    static Generated dir(String path, int mode) {
      return new Generated(path, TarEntry.DIRECTORY, mode, null, null, 0, 0);
    }

    static Generated file(String path, int mode, byte[] content) {
      return new Generated(path, TarEntry.REGULAR, mode, content, null, 0, 0);
    }

    static Generated symlink(String path, String target) {
      return new Generated(path, TarEntry.SYMLINK, 0777, null, target, 0, 0);
    }

    static Generated charDevice(String path, int mode, int major, int minor) {
      return new Generated(path, TarEntry.CHARACTER_DEVICE, mode, null, null, major, minor);
    }
  }

  /**
   * What apk creates before it installs anything ({@code apk_db_create}, the mount point for
   * {@code /proc}, and {@code lib/apk/exec} once it runs a script). The first creator of a
   * directory sets its mode in apk, so these come before the packages' entries.
   */
  private static List<Generated> initdbEntries(Plan plan) {
    List<Generated> out = new ArrayList<>();
    out.add(Generated.dir("tmp", 01777));
    out.add(Generated.dir("dev", DEFAULT_DIR_MODE));
    out.add(Generated.charDevice("dev/null", 0666, 1, 3));
    out.add(Generated.charDevice("dev/zero", 0666, 1, 5));
    out.add(Generated.charDevice("dev/random", 0666, 1, 8));
    out.add(Generated.charDevice("dev/urandom", 0666, 1, 9));
    out.add(Generated.charDevice("dev/console", 0600, 5, 1));
    // etc/apk/keys is ours (the keys that verified the build); apk-tools ships protected_paths.d.
    for (String d : List.of("etc", "etc/apk", "etc/apk/keys", "lib", "lib/apk",
        "lib/apk/db", "var", "var/cache", "var/cache/apk", "var/cache/misc")) {
      out.add(Generated.dir(d, DEFAULT_DIR_MODE));
    }
    if (plan.metadata.stream().anyMatch(m -> !m.scripts().isEmpty())) {
      out.add(Generated.dir("lib/apk/exec", 0700));
    }
    out.add(Generated.dir("proc", 0555));
    return out;
  }

  private static void writeGenerated(TarWriter tar, Generated g, long clamp) throws IOException {
    String name = g.type() == TarEntry.DIRECTORY ? g.path() + "/" : g.path();
    long size = g.content() == null ? 0 : g.content().length;
    TarEntry e = new TarEntry(name, g.type(), g.mode(), 0, 0, size, clamp, g.link(), g.major(), g.minor(), null, null);
    tar.write(e, g.content() == null ? null : new java.io.ByteArrayInputStream(g.content()));
  }

  private void addApkFiles(Plan plan, List<PackageSource> packages, RootfsSpec spec, Map<String, Generated> out)
      throws IOException {
    out.put("etc/apk/arch", Generated.file("etc/apk/arch", 0644, (spec.arch() + "\n").getBytes(StandardCharsets.UTF_8)));
    out.put("etc/apk/world", Generated.file("etc/apk/world", 0644, lines(new TreeSet<>(spec.world()))));
    out.put("etc/apk/repositories", Generated.file("etc/apk/repositories", 0644, lines(spec.repositories())));
    spec.keys().forEach((name, pem) -> out.put("etc/apk/keys/" + name, Generated.file("etc/apk/keys/" + name, 0644, pem)));

    ByteArrayOutputStream installed = new ByteArrayOutputStream();
    InstalledDatabaseWriter.write(databaseEntries(plan, packages), installed);
    out.put("lib/apk/db/installed", Generated.file("lib/apk/db/installed", 0644, installed.toByteArray()));
    out.put("lib/apk/db/lock", Generated.file("lib/apk/db/lock", 0600, new byte[0]));
    out.put("lib/apk/db/scripts.tar", Generated.file("lib/apk/db/scripts.tar", 0644, scriptsTar(plan, spec.timestamp())));
    StringBuilder triggers = new StringBuilder();
    for (ApkPackage meta : plan.metadata) {
      if (!meta.triggers().isEmpty()) {
        triggers.append(meta.controlChecksum()).append(' ').append(String.join(" ", meta.triggers())).append('\n');
      }
    }
    out.put("lib/apk/db/triggers", Generated.file("lib/apk/db/triggers", 0644, triggers.toString().getBytes(StandardCharsets.UTF_8)));
  }

  /** What apk writes after every package is installed: a package's copy would hide the real one. */
  private static final java.util.Set<String> WRITTEN_BY_APK_LAST = java.util.Set.of("lib/apk/db/installed",
      "lib/apk/db/scripts.tar", "lib/apk/db/triggers", "lib/apk/db/lock", "etc/apk/world");

  /**
   * The paths apk itself makes (its database and configuration, the folders of an empty root,
   * busybox's applet links) are not links or files a package put in their way: else apk's files
   * would be written through a package's symlink, and a package could ship its own
   * {@code lib/apk/db/installed} and hide what is installed from scanners. apk fails on the
   * former (it cannot replace its folders by a link) and overwrites the latter.
   */
  private static void checkApkPaths(Plan plan, List<PackageSource> packages, Map<String, Generated> generated) {
    Map<String, Generated> apkPaths = new TreeMap<>(generated);
    initdbEntries(plan).forEach(g -> apkPaths.putIfAbsent(g.path(), g));
    for (Generated g : apkPaths.values()) {
      for (String parent : parents(g.path())) {
        Node w = plan.winners.get(parent);
        if (w != null && !w.isDir()) {
          throw PackageEntryRules.refuse(packages.get(w.pkg), parent, "it makes /" + parent + " a " + kind(w.type)
              + ", where apk writes /" + g.path());
        }
      }
      Node w = plan.winners.get(g.path());
      if (w != null && !w.isDir() && (g.type() == TarEntry.DIRECTORY || WRITTEN_BY_APK_LAST.contains(g.path()))) {
        throw PackageEntryRules.refuse(packages.get(w.pkg), g.path(), "apk itself makes /" + g.path()
            + (g.type() == TarEntry.DIRECTORY ? " a directory" : ", after installing every package"));
      }
    }
  }

  /** busybox's post-install runs {@code busybox --install -s}: make those links from its list. */
  private static void addBusyboxLinks(Plan plan, Map<String, Generated> out) {
    Node busybox = plan.winners.get("bin/busybox");
    if (busybox == null || plan.busyboxLists.isEmpty()) {
      return;
    }
    for (Map.Entry<String, byte[]> list : plan.busyboxLists.entrySet()) {
      for (String line : new String(list.getValue(), StandardCharsets.UTF_8).split("\n")) {
        String path = normalize(line.trim());
        if (path.isEmpty()) {
          continue;
        }
        // The list is package content: its lines become paths in the layer, so they obey the
        // rules of package entries, and no applet link goes through a link or a file.
        String why = PackageEntryRules.checkPath(path, false);
        for (String parent : parents(path)) {
          Node w = plan.winners.get(parent);
          if (why == null && w != null && !w.isDir()) {
            why = "it goes through /" + parent + ", a " + kind(w.type);
          }
        }
        if (why != null) {
          throw new ApkimgException("/" + list.getKey() + " names an unsafe applet path "
              + TarFormatException.quote(line.trim()) + ": " + why + "; the busybox package is broken or hostile");
        }
        if (!plan.winners.containsKey(path)) {
          out.put(path, Generated.symlink(path, "/bin/busybox"));
        }
      }
    }
  }

  private static List<InstalledDatabaseWriter.Entry> databaseEntries(Plan plan, List<PackageSource> packages) {
    List<InstalledDatabaseWriter.Entry> entries = new ArrayList<>();
    for (int i = 0; i < packages.size(); i++) {
      Map<String, DirBuilder> dirs = new LinkedHashMap<>();
      for (Node n : plan.perPackage.get(i)) {
        if (n.isDir()) {
          dirs.computeIfAbsent(n.path, p -> new DirBuilder(p, (int) n.uid, (int) n.gid, n.mode, n.xattrChecksum()));
          continue;
        }
        Node winner = plan.winners.get(n.path);
        if (winner != n) {
          continue; // overwritten by a later package: apk moves the file to that package
        }
        int slash = n.path.lastIndexOf('/');
        String parent = slash < 0 ? "" : n.path.substring(0, slash);
        String name = n.path.substring(slash + 1);
        DirBuilder d = dirs.computeIfAbsent(parent, p -> {
          Node real = plan.winners.get(p);
          return real == null ? new DirBuilder(p, 0, 0, DEFAULT_DIR_MODE, null)
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
  private static dev.apkimg.apk.PackageInfo databaseInfo(dev.apkimg.apk.PackageInfo index, dev.apkimg.apk.PackageInfo pkginfo) {
    return new dev.apkimg.apk.PackageInfo(index.checksum(), index.name(), index.version(), index.arch(), index.size(),
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
  private static byte[] scriptsTar(Plan plan, long clamp) {
    ScriptsTarWriter tar = new ScriptsTarWriter();
    for (ApkPackage meta : plan.metadata) {
      List<InstallScript> scripts = new ArrayList<>(meta.scripts());
      scripts.sort(java.util.Comparator.comparingInt(sc -> SCRIPT_ORDER.indexOf(sc.type())));
      for (InstallScript s : scripts) {
        tar.add(meta.info().nameVersion() + "." + meta.controlChecksum() + "." + s.type(), s.content(),
            Math.min(s.modTime(), clamp));
      }
    }
    return tar.toByteArray();
  }


  // ---------------------------------------------------------------- helpers

  /** Tar names as apk stores paths: relative, no {@code ./}, no trailing slash. */
  static String normalize(String name) {
    String s = name;
    while (s.startsWith("./")) {
      s = s.substring(2);
    }
    while (s.startsWith("/")) {
      s = s.substring(1);
    }
    while (s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    return s.equals(".") ? "" : s;
  }

  private static List<String> parents(String path) {
    List<String> out = new ArrayList<>();
    int i = path.indexOf('/');
    while (i > 0) {
      out.add(path.substring(0, i));
      i = path.indexOf('/', i + 1);
    }
    return out;
  }

  private static byte[] lines(Iterable<String> values) {
    StringBuilder sb = new StringBuilder();
    for (String v : values) {
      sb.append(v).append('\n');
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static String q1(byte[] sha1) {
    return "Q1" + Base64.getEncoder().encodeToString(sha1);
  }

  private static byte[] sha1(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-1").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] sha1(InputStream in) throws IOException {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-1");
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        d.update(buf, 0, n);
      }
      return d.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static MessageDigest sha1Digest() {
    try {
      return MessageDigest.getInstance("SHA-1");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final class CountingOutputStream extends OutputStream {
    private final OutputStream out;
    long count;

    CountingOutputStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }

    @Override
    public void close() throws IOException {
      out.close();
    }
  }
}
