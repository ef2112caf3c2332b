package dev.apkimg.rootfs;

import dev.apkimg.apk.GzipMemberReader;
import dev.apkimg.tar.TarEntry;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

/**
 * A package's data stream (the last gzip member of its .apk) as an OCI layer, byte for byte: its
 * digest is the SHA-256 of those bytes, which the signed {@code .PKGINFO} records as
 * {@code datahash}, so nothing is recompressed. The diff id and the entries come from the
 * package's scan ({@link PackageScanner}, kept in the cache by {@link ScanCache}), so a warm
 * build inflates nothing for it.
 *
 * @param file the package file, whose last {@code size} bytes (from {@code offset}) are the layer:
 *     the layer is never copied out of the package cache before it goes into an image
 * @param digest {@code sha256:HEX} of the gzipped bytes (the package's datahash)
 * @param diffId {@code sha256:HEX} of the uncompressed tar
 * @param size compressed size in bytes
 * @param tarSize uncompressed size in bytes
 * @param entries what each tar entry makes on extraction, in tar order
 */
public record PackageDataLayer(PackageSource source, Path file, long offset, String digest, String diffId,
    long size, long tarSize, List<Node> entries) {
  public PackageDataLayer {
    entries = List.copyOf(entries);
  }

  /**
   * What one tar entry makes: name clean (no {@code ./}, no trailing {@code /}); {@code link} the
   * symlink or hardlink target ("" for none); {@code sha256} of the content ("" unless regular);
   * {@code xattrs} a digest of the extended attributes ("" for none).
   */
  public record Node(String name, byte type, int mode, long uid, long gid, long mtime, String link, long size,
      String sha256, String xattrs) {
    static Node of(TarEntry e, String contentSha256) {
      String link = e.linkName() == null ? "" : e.type() == TarEntry.HARDLINK ? clean(e.linkName()) : e.linkName();
      return new Node(clean(e.name()), e.type() == 0 ? TarEntry.REGULAR : e.type(), e.mode(), e.uid(), e.gid(),
          e.mtime(), link, e.isRegular() ? e.size() : 0, e.isRegular() ? contentSha256 : "", xattrDigest(e));
    }

    static Node of(PackageEntry n) {
      return of(n.header(), n.sha256);
    }

    boolean isDirectory() {
      return type == TarEntry.DIRECTORY;
    }

    boolean isHardlink() {
      return type == TarEntry.HARDLINK;
    }
  }

  public List<String> names() {
    return entries.stream().map(Node::name).toList();
  }

  static String xattrDigest(TarEntry e) {
    if (e.xattrs().isEmpty()) {
      return "";
    }
    MessageDigest sha = ApkChecksums.sha256();
    e.xattrs().forEach((k, v) -> {
      sha.update(k.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      sha.update(Integer.toString(v.length).getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      sha.update(v);
    });
    return HexFormat.of().formatHex(sha.digest());
  }

  /** The SHA-256 of {@code in}'s remaining bytes, hex. */
  static String sha256(InputStream in) throws IOException {
    MessageDigest sha = ApkChecksums.sha256();
    byte[] buf = new byte[1 << 15];
    int n;
    while ((n = in.read(buf)) > 0) {
      sha.update(buf, 0, n);
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  /** The data stream's compressed size: known from verification, else found by reading the members. */
  static long dataSize(PackageSource source) throws IOException {
    if (source.dataSize() > 0) {
      return source.dataSize();
    }
    long fileSize = Files.size(source.file());
    long dataSize = -1;
    // Finding where the last member starts inflates every member: only for a source that was not
    // verified in this build (a library caller's own file).
    try (InputStream in = new BufferedInputStream(Files.newInputStream(source.file()), 1 << 16)) {
      GzipMemberReader members = new GzipMemberReader(in);
      while (members.hasNextMember()) {
        try (InputStream member = members.nextMember()) {
          member.transferTo(OutputStream.nullOutputStream());
        }
        dataSize = members.compressedBytes();
      }
    }
    if (dataSize <= 0 || dataSize > fileSize) {
      throw new IOException(source.file() + ": no data stream found in package " + source.info().name());
    }
    return dataSize;
  }

  /**
   * {@code source}'s data stream as a layer where it lies in the package file; its diff id and
   * entries are {@code scan}'s. Its digest is the one verified when the package was fetched (a
   * source not verified in this build is hashed here); what copies the bytes into an image or
   * registry checks them against it again.
   */
  static PackageDataLayer of(PackageSource source, PackageScanner.PackageScan scan) throws IOException {
    long fileSize = Files.size(source.file());
    long dataSize = dataSize(source);
    String hex = source.dataSha256();
    if (hex == null) {
      MessageDigest sha = ApkChecksums.sha256();
      try (FileChannel ch = FileChannel.open(source.file(), StandardOpenOption.READ)) {
        ch.position(fileSize - dataSize);
        Channels.newInputStream(ch).transferTo(new DigestOutputStream(OutputStream.nullOutputStream(), sha));
      }
      hex = HexFormat.of().formatHex(sha.digest());
    }
    if (!hex.equalsIgnoreCase(scan.meta().dataHash())) {
      throw new IOException(source.file() + " changed while the image was built (its data stream's SHA-256 is "
          + hex + ", read as " + scan.meta().dataHash() + ")");
    }
    return new PackageDataLayer(source, source.file(), fileSize - dataSize, "sha256:" + hex.toLowerCase(),
        scan.diffId(), dataSize, scan.tarSize(), scan.entries().stream().map(Node::of).toList());
  }

  /** A name as layers compare them: no leading {@code ./} or {@code /}, no trailing {@code /}. */
  static String clean(String name) {
    String n = name;
    while (n.startsWith("./") || n.startsWith("/")) {
      n = n.startsWith("./") ? n.substring(2) : n.substring(1);
    }
    while (n.endsWith("/")) {
      n = n.substring(0, n.length() - 1);
    }
    return n;
  }
}
