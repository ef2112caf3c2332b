package dev.apkimg.rootfs;

import dev.apkimg.tar.TarEntry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.SortedMap;

/**
 * One data entry of one package, without its bytes: what the first pass learns and the second
 * pass and apk's database use. Holding only headers keeps the plan's memory flat whatever the
 * file sizes.
 */
final class PackageEntry {
  /** The package's index in install order. */
  final int pkg;
  /** The entry's index in the package's data stream. */
  final int ordinal;
  /** The entry's name as the package has it (for messages and checks). */
  final String name;
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
  final SortedMap<String, byte[]> xattrs;
  /** apk's checksum of the content ({@code Z:} in the database), set while scanning; may stay null. */
  String checksum;
  /** SHA-256 (hex) of a regular file's bytes, "" for other types; set while scanning. */
  String sha256 = "";
  /**
   * For a hardlink: the regular file of its own package whose inode it joins (following links to
   * links), whose bytes and checksum it shares; set by {@link LayerPlan}. Null for other types.
   */
  PackageEntry root;

  PackageEntry(int pkg, int ordinal, TarEntry e, String path) {
    this.pkg = pkg;
    this.ordinal = ordinal;
    this.name = e.name();
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

  /** The entry's header as the package has it (without its other PAX records). */
  TarEntry header() {
    return new TarEntry(name, type, mode, uid, gid, size, mtime, link, devMajor, devMinor, xattrs, null);
  }

  boolean isDir() {
    return type == TarEntry.DIRECTORY;
  }

  /** apk's checksum of the extended attributes ({@code a:} / {@code M:} suffix), or null. */
  String xattrChecksum() {
    if (xattrs.isEmpty()) {
      return null;
    }
    MessageDigest d = ApkChecksums.sha1Digest();
    for (Map.Entry<String, byte[]> x : xattrs.entrySet()) {
      byte[] name = x.getKey().getBytes(StandardCharsets.UTF_8);
      d.update(java.nio.ByteBuffer.allocate(4).putInt(name.length).array());
      d.update(name);
      d.update(java.nio.ByteBuffer.allocate(4).putInt(x.getValue().length).array());
      d.update(x.getValue());
    }
    return ApkChecksums.q1(d.digest());
  }

  /** The word for a tar type in messages: "directory", "symlink", "file" ... */
  static String kind(byte type) {
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
}
