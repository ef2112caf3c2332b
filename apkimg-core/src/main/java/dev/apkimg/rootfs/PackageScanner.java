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

  /** What reading one package's data stream found: its entries (without bytes) and metadata. */
  record PackageScan(List<PackageEntry> entries, ApkPackage meta, Map<String, byte[]> busyboxLists,
      Map<PackageEntry, byte[]> captured) {}

  private final KeyLookup keys;
  /** The paths whose bytes mutations read ({@link RootfsMutation#reads()}). */
  private final Set<String> captures;

  PackageScanner(KeyLookup keys, Set<String> captures) {
    this.keys = keys;
    this.captures = captures;
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

  private PackageScan scan(PackageSource src, int pkg) throws IOException {
    List<PackageEntry> nodes = new ArrayList<>();
    Map<String, PackageEntry> seen = new HashMap<>(); // this package's entries so far, by path
    Map<String, byte[]> busyboxLists = new TreeMap<>();
    Map<PackageEntry, byte[]> captured = new IdentityHashMap<>();
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
        String path = LayerPaths.normalize(entry.name());
        PackageEntry n = new PackageEntry(pkg, nodes.size(), entry, path);
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
            n.checksum = ApkChecksums.q1(ApkChecksums.sha1(data));
          } else if (hex != null) {
            n.checksum = ApkChecksums.q1Hex(hex);
          } else {
            n.checksum = ApkChecksums.q1(ApkChecksums.sha1(bytes));
          }
        } else if (entry.isSymlink()) {
          n.checksum = ApkChecksums.q1(ApkChecksums.sha1(entry.linkName().getBytes(StandardCharsets.UTF_8)));
        } else if (entry.isHardlink()) {
          String hex = entry.pax().get(CHECKSUM_PAX);
          if (hex != null) {
            n.checksum = ApkChecksums.q1Hex(hex);
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
    return new PackageScan(nodes, meta, busyboxLists, captured);
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
