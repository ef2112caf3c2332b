package dev.apkimg.rootfs;

import dev.apkimg.tar.TarEntry;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What scanning a package's data stream found, kept in {@code CACHE/layers/HEX} keyed by the
 * stream's SHA-256 (its signed {@code datahash}), so that a warm build inflates nothing to plan
 * the layer: every entry's header, apk checksum and content SHA-256, the tar's diff id and size,
 * and the bytes of the few small files that mutations read.
 *
 * <p>A record is derived data, not a package: it is found only by the digest of a data stream
 * that was verified in this build, it ends with a SHA-256 of itself (a torn or corrupt record is
 * ignored and the package scanned again), every size in it is bounded, and its entries pass the
 * same safety rules as a package's on every use ({@link PackageScanner}). What it cannot prove is
 * that it describes that stream: someone who can write the cache can make the layer's plan wrong
 * (never make it write outside the image, or put bytes into it that no verified package has).
 */
final class ScanCache {
  /** Bumped whenever what a scan records, or how, changes: older records are then not read. */
  private static final String MAGIC = "apkimg-scan-1";
  private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");
  /** Larger records are not trusted to be ours (a million entries of long names fit). */
  static final long MAX_RECORD = 1L << 30;

  /** A cached scan: entries in tar order (pkg index not set), held file bytes by path. */
  record Cached(String diffId, long tarSize, List<Entry> entries, Map<String, byte[]> held) {}

  /** One entry: its header, apk checksum (may be null) and content SHA-256 ("" unless a file). */
  record Entry(TarEntry header, String checksum, String sha256) {}

  private ScanCache() {}

  static Path file(Path cacheDir, String dataSha256) {
    if (!HEX.matcher(dataSha256).matches()) {
      throw new IllegalArgumentException("not a SHA-256: " + dataSha256);
    }
    return cacheDir.resolve("layers").resolve(dataSha256);
  }

  /** The record for {@code dataSha256}, or null when there is none or it is not whole and ours. */
  static Cached read(Path cacheDir, String dataSha256) {
    Path f = file(cacheDir, dataSha256);
    try {
      if (!Files.isRegularFile(f) || Files.size(f) > MAX_RECORD || Files.size(f) < 32) {
        return null;
      }
      MessageDigest sha = ApkChecksums.sha256();
      long size = Files.size(f);
      Cached c;
      byte[] trailer;
      try (InputStream raw = new BufferedInputStream(Files.newInputStream(f), 1 << 16)) {
        DataInputStream in = new DataInputStream(new DigestInputStream(new dev.apkimg.LimitedInputStream(raw, size - 32), sha));
        c = readBody(in, dataSha256);
        if (in.read() != -1) {
          return null;
        }
        trailer = raw.readNBytes(33);
      }
      return trailer.length == 32 && Arrays.equals(trailer, sha.digest()) ? c : null;
    } catch (IOException | RuntimeException e) {
      return null; // not ours, torn or corrupt: scan the package again
    }
  }

  private static Cached readBody(DataInputStream in, String dataSha256) throws IOException {
    if (!in.readUTF().equals(MAGIC) || !in.readUTF().equals(dataSha256)) {
      return null;
    }
    String diffId = in.readUTF();
    if (!diffId.startsWith("sha256:") || !HEX.matcher(diffId.substring(7)).matches()) {
      return null;
    }
    long tarSize = in.readLong();
    int count = in.readInt();
    if (count < 0 || count > PackageScanner.MAX_ENTRIES) {
      return null;
    }
    List<Entry> entries = new ArrayList<>(Math.min(count, 1 << 16));
    for (int i = 0; i < count; i++) {
      String name = in.readUTF();
      byte type = in.readByte();
      int mode = in.readInt();
      long uid = in.readLong();
      long gid = in.readLong();
      long size = in.readLong();
      long mtime = in.readLong();
      String link = optional(in);
      int major = in.readInt();
      int minor = in.readInt();
      int xattrCount = in.readUnsignedShort();
      TreeMap<String, byte[]> xattrs = new TreeMap<>();
      for (int x = 0; x < xattrCount; x++) {
        xattrs.put(in.readUTF(), bytes(in, 1 << 16));
      }
      String checksum = optional(in);
      String sha256 = in.readUTF();
      entries.add(new Entry(new TarEntry(name, type, mode, uid, gid, size, mtime, link, major, minor, xattrs, null),
          checksum, sha256));
    }
    int heldCount = in.readInt();
    if (heldCount < 0 || heldCount > count) {
      return null;
    }
    Map<String, byte[]> held = new LinkedHashMap<>();
    for (int i = 0; i < heldCount; i++) {
      held.put(in.readUTF(), bytes(in, (int) PackageScanner.MAX_HELD_FILE));
    }
    return new Cached(diffId, tarSize, entries, held);
  }

  /** Writes the record (atomically); a failure leaves no record, and the build goes on. */
  static void write(Path cacheDir, String dataSha256, Cached c) {
    Path f = file(cacheDir, dataSha256);
    Path tmp = null;
    try {
      Files.createDirectories(f.getParent());
      tmp = Files.createTempFile(f.getParent(), ".scan", ".tmp");
      MessageDigest sha = ApkChecksums.sha256();
      try (OutputStream raw = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
        DataOutputStream out = new DataOutputStream(new DigestOutputStream(raw, sha));
        out.writeUTF(MAGIC);
        out.writeUTF(dataSha256);
        out.writeUTF(c.diffId());
        out.writeLong(c.tarSize());
        out.writeInt(c.entries().size());
        for (Entry e : c.entries()) {
          writeHeader(out, e.header());
          optional(out, e.checksum());
          out.writeUTF(e.sha256());
        }
        out.writeInt(c.held().size());
        for (Map.Entry<String, byte[]> h : c.held().entrySet()) {
          out.writeUTF(h.getKey());
          out.writeInt(h.getValue().length);
          out.write(h.getValue());
        }
        out.flush();
        raw.write(sha.digest());
      }
      Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      tmp = null;
    } catch (IOException | RuntimeException e) {
      // A cache that cannot be written only costs the next build a scan.
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException e) {
          // best effort
        }
      }
    }
  }

  /**
   * A header's fields, each written once and in a fixed order (also what the layer cache's key
   * digests, {@link LayerEntryWriter#contentDigest()}).
   */
  static void writeHeader(DataOutputStream out, TarEntry h) throws IOException {
    out.writeUTF(h.name());
    out.writeByte(h.type());
    out.writeInt(h.mode());
    out.writeLong(h.uid());
    out.writeLong(h.gid());
    out.writeLong(h.size());
    out.writeLong(h.mtime());
    optional(out, h.linkName());
    out.writeInt(h.devMajor());
    out.writeInt(h.devMinor());
    out.writeShort(h.xattrs().size());
    for (Map.Entry<String, byte[]> x : h.xattrs().entrySet()) {
      out.writeUTF(x.getKey());
      out.writeInt(x.getValue().length);
      out.write(x.getValue());
    }
  }

  private static String optional(DataInputStream in) throws IOException {
    return in.readBoolean() ? in.readUTF() : null;
  }

  private static void optional(DataOutputStream out, String s) throws IOException {
    out.writeBoolean(s != null);
    if (s != null) {
      out.writeUTF(s);
    }
  }

  private static byte[] bytes(DataInputStream in, int max) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > max) {
      throw new IOException("field of " + n + " bytes");
    }
    byte[] b = in.readNBytes(n);
    if (b.length != n) {
      throw new IOException("truncated");
    }
    return b;
  }
}
