package dev.apkimg.rootfs;

import dev.apkimg.ApkimgException;
import dev.apkimg.apk.ApkPackage;
import dev.apkimg.apk.ApkPackageReader;
import dev.apkimg.apk.KeyLookup;
import dev.apkimg.tar.TarEntry;
import dev.apkimg.tar.TarFormatException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The layer's first pass over one package: reads (inflates, verifies) its data stream, refuses
 * unsafe entries (apk's rules in {@link PackageEntryRules}, a package's own order of folders,
 * files and hardlinks, its declared installed size) and keeps each entry's header and checksum,
 * never its bytes, except for the few small files that mutations read. It exists apart from the
 * ownership decisions because reading is per package and runs in parallel; ownership is decided
 * afterwards, in install order.
 */
final class PackageScanner {
  private static final String CHECKSUM_PAX = "APK-TOOLS.checksum.SHA1";
  private static final String BUSYBOX_PATHS = "etc/busybox-paths.d/";
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

  /**
   * What reading one package's data stream found: its entries (without bytes) and metadata, and
   * the stream's diff id and tar size (for a layer of its own).
   */
  record PackageScan(List<PackageEntry> entries, ApkPackage meta, Map<String, byte[]> busyboxLists,
      Map<PackageEntry, byte[]> captured, String diffId, long tarSize) {}

  private final KeyLookup keys;
  /** The paths whose bytes mutations read ({@link RootfsMutation#reads()}). */
  private final Set<String> captures;
  /** Those of {@link #captures} that end in '/': every file below them. */
  private final List<String> folderCaptures;
  /** Where scans are kept ({@link ScanCache}), or null for none. */
  private final Path cacheDir;

  PackageScanner(KeyLookup keys, Set<String> captures, Path cacheDir) {
    this.keys = keys;
    this.captures = captures;
    this.folderCaptures = captures.stream().filter(c -> c.endsWith("/")).sorted().toList();
    this.cacheDir = cacheDir;
  }

  /** Scans every package, in parallel; the result is in install order, whatever the timing. */
  List<PackageScan> scanAll(List<PackageSource> packages) throws IOException {
    int threads = Math.max(1, Math.min(packages.size(), Runtime.getRuntime().availableProcessors()));
    ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "apkimg-scan");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<PackageScan>> futures = new ArrayList<>();
      for (int i = 0; i < packages.size(); i++) {
        int pkg = i;
        futures.add(pool.submit(() -> scan(packages.get(pkg), pkg)));
      }
      List<PackageScan> scans = new ArrayList<>();
      for (Future<PackageScan> f : futures) {
        try {
          scans.add(f.get());
        } catch (ExecutionException e) {
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

  PackageScan scan(PackageSource src, int pkg) throws IOException {
    String digest = src.dataSha256();
    if (cacheDir != null && digest != null) {
      ScanCache.Cached cached = ScanCache.read(cacheDir, digest);
      PackageScan replayed = cached == null ? null : replay(src, pkg, cached);
      if (replayed != null) {
        return replayed;
      }
    }
    PackageScan scan = read(src, pkg);
    if (cacheDir != null && digest != null && digest.equalsIgnoreCase(scan.meta().dataHash())) {
      ScanCache.write(cacheDir, digest, toCached(scan));
    }
    return scan;
  }

  /** One package's entries as they are admitted: the checks every entry passes, read or cached. */
  private final class Admission {
    final PackageSource src;
    final int pkg;
    final List<PackageEntry> nodes = new ArrayList<>();
    final Map<String, PackageEntry> seen = new HashMap<>(); // this package's entries so far, by path
    final Map<String, byte[]> busyboxLists = new TreeMap<>();
    final Map<PackageEntry, byte[]> captured = new IdentityHashMap<>();
    // The index's I: bounds the files as they come; an index without it, the .PKGINFO size (read
    // with the control stream, known here only after the data) before anything is written.
    final long declared;
    final long limit;
    long content;

    Admission(PackageSource src, int pkg) {
      this.src = src;
      this.pkg = pkg;
      this.declared = src.info().installedSize();
      this.limit = declared > 0 ? declared + SIZE_SLACK : Long.MAX_VALUE;
    }

    /** Checks {@code entry} against apk's rules and the package's bounds; returns its record. */
    PackageEntry admit(TarEntry entry) {
      String why = PackageEntryRules.checkHeader(entry);
      if (why != null) {
        throw PackageEntryRules.refuse(src, entry.name(), why);
      }
      if (nodes.size() >= MAX_ENTRIES) {
        throw new ApkimgException("package " + src.info().nameVersion() + " has more than " + MAX_ENTRIES
            + " entries; the package is broken or hostile, and is not installed");
      }
      String path = LayerPaths.normalize(entry.name());
      PackageEntry n = new PackageEntry(pkg, nodes.size(), entry, path);
      checkPlace(src, seen, n, entry.name());
      seen.put(path, n);
      if (entry.isRegular()) {
        // Bounded by the header before any byte is read: a small package cannot unpack to more
        // than its index entry says it installs.
        content += entry.size();
        if (content > limit) {
          throw tooLarge(src, declared, "its index entry", entry.name());
        }
      }
      nodes.add(n);
      return n;
    }

    /** Whether the bytes of {@code n} are held: small text files that mutations edit. */
    boolean holds(PackageEntry n) {
      return n.type == TarEntry.REGULAR && (n.path.startsWith(BUSYBOX_PATHS) || captures.contains(n.path)
          || folderCaptures.stream().anyMatch(n.path::startsWith));
    }

    void hold(PackageEntry n, byte[] data) {
      if (n.path.startsWith(BUSYBOX_PATHS)) {
        busyboxLists.put(n.path, data);
      } else {
        captured.put(n, data);
      }
    }

    void checkHeld(PackageEntry n) {
      if (n.size > MAX_HELD_FILE) {
        throw new ApkimgException("package " + src.info().nameVersion() + " has a " + n.size
            + "-byte /" + n.path + "; apkimg reads a file it edits or follows only up to "
            + MAX_HELD_FILE + " bytes");
      }
    }

    PackageScan finish(ApkPackage meta, String diffId, long tarSize) {
      long pkginfoSize = meta.info().installedSize();
      if (declared <= 0 && content > pkginfoSize + SIZE_SLACK) {
        throw tooLarge(src, pkginfoSize, "its .PKGINFO", null);
      }
      return new PackageScan(nodes, meta, busyboxLists, captured, diffId, tarSize);
    }
  }

  /** Reads (inflates, verifies) the package's data stream. */
  private PackageScan read(PackageSource src, int pkg) throws IOException {
    Admission a = new Admission(src, pkg);
    MessageDigest tarDigest = ApkChecksums.sha256();
    long[] tarSize = {0};
    ApkPackage meta;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(src.file()), 1 << 16)) {
      meta = ApkPackageReader.read(in, keys, src.info().fileName(), (entry, bytes) -> {
        PackageEntry n = a.admit(entry);
        if (entry.isRegular()) {
          String hex = entry.pax().get(CHECKSUM_PAX);
          if (a.holds(n)) {
            a.checkHeld(n);
            byte[] data = bytes.readAllBytes();
            a.hold(n, data);
            n.checksum = ApkChecksums.q1(ApkChecksums.sha1(data));
            n.sha256 = HexFormat.of().formatHex(ApkChecksums.sha256().digest(data));
          } else {
            // One pass gives apk's SHA-1 (unless the package records it) and the content SHA-256
            // that package layers are compared by.
            MessageDigest sha1 = hex == null ? ApkChecksums.sha1Digest() : null;
            MessageDigest sha256 = ApkChecksums.sha256();
            byte[] buf = new byte[1 << 16];
            int r;
            while ((r = bytes.read(buf)) > 0) {
              sha256.update(buf, 0, r);
              if (sha1 != null) {
                sha1.update(buf, 0, r);
              }
            }
            n.checksum = hex != null ? ApkChecksums.q1Hex(hex) : ApkChecksums.q1(sha1.digest());
            n.sha256 = HexFormat.of().formatHex(sha256.digest());
          }
        } else if (entry.isSymlink()) {
          n.checksum = ApkChecksums.q1(ApkChecksums.sha1(entry.linkName().getBytes(StandardCharsets.UTF_8)));
        } else if (entry.isHardlink()) {
          String hex = entry.pax().get(CHECKSUM_PAX);
          if (hex != null) {
            n.checksum = ApkChecksums.q1Hex(hex);
          }
        }
      }, (b, off, len) -> {
        tarDigest.update(b, off, len);
        tarSize[0] += len;
      });
    } catch (TarFormatException e) {
      throw new ApkimgException("package " + src.info().nameVersion() + " has an unsafe entry: " + e.getMessage()
          + "; the package is broken or hostile, and is not installed", e);
    }
    return a.finish(meta, "sha256:" + HexFormat.of().formatHex(tarDigest.digest()), tarSize[0]);
  }

  /**
   * A cached scan, through the same checks as a read one; null when it lacks the bytes of a file
   * this build's mutations read (then the package is read).
   */
  private PackageScan replay(PackageSource src, int pkg, ScanCache.Cached cached) {
    Admission a = new Admission(src, pkg);
    for (ScanCache.Entry e : cached.entries()) {
      PackageEntry n = a.admit(e.header());
      n.checksum = e.checksum();
      n.sha256 = e.sha256();
      if (a.holds(n)) {
        a.checkHeld(n);
        byte[] data = cached.held().get(n.path);
        if (data == null || data.length != n.size) {
          return null;
        }
        a.hold(n, data);
      }
    }
    return a.finish(src.verified(), cached.diffId(), cached.tarSize());
  }

  private static ScanCache.Cached toCached(PackageScan scan) {
    List<ScanCache.Entry> entries = new ArrayList<>();
    Map<String, byte[]> held = new LinkedHashMap<>(scan.busyboxLists());
    for (PackageEntry n : scan.entries()) {
      entries.add(new ScanCache.Entry(n.header(), n.checksum, n.sha256));
      byte[] data = scan.captured().get(n);
      if (data != null) {
        held.put(n.path, data);
      }
    }
    return new ScanCache.Cached(scan.diffId(), scan.tarSize(), entries, held);
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
  private static void checkPlace(PackageSource src, Map<String, PackageEntry> seen, PackageEntry n, String name) {
    int slash = n.path.lastIndexOf('/');
    if (slash > 0) {
      PackageEntry parent = seen.get(n.path.substring(0, slash));
      if (parent == null || !parent.isDir()) {
        throw PackageEntryRules.refuse(src, name, parent == null
            ? "its folder /" + n.path.substring(0, slash) + " is not a directory entry before it in the package"
            : "it goes through /" + parent.path + ", which the package made a " + PackageEntry.kind(parent.type));
      }
    }
    PackageEntry earlier = seen.get(n.path);
    if (earlier != null && earlier.type != n.type) {
      throw PackageEntryRules.refuse(src, name, "the package has it twice, as a " + PackageEntry.kind(earlier.type)
          + " and as a " + PackageEntry.kind(n.type));
    }
    if (n.type == TarEntry.HARDLINK) {
      String target = LayerPaths.normalize(n.link);
      PackageEntry t = seen.get(target);
      if (t == null || (t.type != TarEntry.REGULAR && t.type != TarEntry.HARDLINK)) {
        throw PackageEntryRules.refuse(src, name, "it is a hardlink to /" + target
            + (t == null ? ", which is not a file earlier in the package" : ", which is a " + PackageEntry.kind(t.type)));
      }
    }
  }
}
