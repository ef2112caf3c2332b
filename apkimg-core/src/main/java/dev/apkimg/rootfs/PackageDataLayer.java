package dev.apkimg.rootfs;

import dev.apkimg.apk.GzipMemberReader;
import dev.apkimg.tar.TarEntry;
import dev.apkimg.tar.TarReader;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A package's data stream (the last gzip member of its .apk) as an OCI layer, byte for byte: its
 * digest is the SHA-256 of those bytes, which the signed {@code .PKGINFO} records as
 * {@code datahash}, so nothing is recompressed. The diff id and the entry names need one
 * decompression; they are kept in {@code cacheDir/layers/HEX} keyed by the digest, so a warm
 * build decompresses nothing.
 *
 * @param file the gzipped tar, copied out of the package into the work directory
 * @param digest {@code sha256:HEX} of the gzipped bytes (the package's datahash)
 * @param diffId {@code sha256:HEX} of the uncompressed tar
 * @param size compressed size in bytes
 * @param entries what each tar entry makes on extraction, in tar order
 */
public record PackageDataLayer(PackageSource source, Path file, String digest, String diffId, long size,
    List<Node> entries) {
  private static final String CACHE_MAGIC = "apkimg-data-layer-2";
  private static final int FIELDS = 10;

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
          e.mtime(), link, e.isRegular() ? e.size() : 0, contentSha256, xattrDigest(e));
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

  /** Extracts {@code source}'s data stream to {@code outDir}, its diff id and names from the cache when there. */
  public static PackageDataLayer extract(PackageSource source, Path outDir, Path cacheDir) throws IOException {
    long fileSize = Files.size(source.file());
    long dataSize;
    // Finding where the last member starts inflates the small signature and control members
    // only; the data member is inflated only when its digest is not in the cache.
    try (InputStream in = new BufferedInputStream(Files.newInputStream(source.file()), 1 << 16)) {
      GzipMemberReader members = new GzipMemberReader(in);
      dataSize = -1;
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
    Files.createDirectories(outDir);
    Path tmp = Files.createTempFile(outDir, ".data", ".tmp");
    MessageDigest sha = ApkChecksums.sha256();
    try (FileChannel ch = FileChannel.open(source.file(), StandardOpenOption.READ);
         OutputStream out = new DigestOutputStream(Files.newOutputStream(tmp), sha)) {
      ch.position(fileSize - dataSize);
      Channels.newInputStream(ch).transferTo(out);
    }
    String hex = HexFormat.of().formatHex(sha.digest());
    Path file = outDir.resolve(hex + ".tar.gz");
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    Path cached = cacheDir.resolve("layers").resolve(hex);
    Cached info = readCache(cached);
    if (info == null) {
      info = inflate(file);
      writeCache(cached, info);
    }
    return new PackageDataLayer(source, file, "sha256:" + hex, info.diffId, dataSize, info.entries);
  }

  private record Cached(String diffId, List<Node> entries) {}

  private static Cached inflate(Path gz) throws IOException {
    MessageDigest sha = ApkChecksums.sha256();
    List<Node> entries = new ArrayList<>();
    try (InputStream in = new BufferedInputStream(Files.newInputStream(gz), 1 << 16)) {
      GzipMemberReader members = new GzipMemberReader(in);
      while (members.hasNextMember()) {
        try (InputStream member = new java.security.DigestInputStream(members.nextMember(), sha) {
          @Override
          public long skip(long n) throws IOException {
            // DigestInputStream does not digest what is skipped: read it, the diff id needs every byte.
            long done = 0;
            byte[] buf = new byte[8192];
            while (done < n) {
              int r = read(buf, 0, (int) Math.min(buf.length, n - done));
              if (r < 0) {
                break;
              }
              done += r;
            }
            return done;
          }
        }) {
          TarReader tar = new TarReader(member);
          TarEntry e;
          while ((e = tar.next()) != null) {
            entries.add(Node.of(e, e.isRegular() ? sha256(tar.content()) : ""));
          }
          member.transferTo(OutputStream.nullOutputStream()); // the tar's padding counts in the diff id
        }
      }
    }
    return new Cached("sha256:" + HexFormat.of().formatHex(sha.digest()), entries);
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

  private static Cached readCache(Path file) {
    try {
      if (!Files.isRegularFile(file)) {
        return null;
      }
      String[] parts = Files.readString(file, StandardCharsets.UTF_8).split("\0", -1);
      if (parts.length < 3 || !parts[0].equals(CACHE_MAGIC) || !parts[1].matches("sha256:[0-9a-f]{64}")
          || (parts.length - 3) % FIELDS != 0 || !parts[parts.length - 1].equals("end")) {
        return null; // not ours or torn: recompute
      }
      List<Node> entries = new ArrayList<>();
      for (int i = 2; i + FIELDS < parts.length; i += FIELDS) {
        entries.add(new Node(parts[i], (byte) Integer.parseInt(parts[i + 1]), Integer.parseInt(parts[i + 2]),
            Long.parseLong(parts[i + 3]), Long.parseLong(parts[i + 4]), Long.parseLong(parts[i + 5]), parts[i + 6],
            Long.parseLong(parts[i + 7]), parts[i + 8], parts[i + 9]));
      }
      return new Cached(parts[1], entries);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static void writeCache(Path file, Cached info) throws IOException {
    Files.createDirectories(file.getParent());
    StringBuilder b = new StringBuilder(CACHE_MAGIC).append('\0').append(info.diffId).append('\0');
    for (Node n : info.entries) {
      for (Object f : List.of(n.name(), (int) n.type(), n.mode(), n.uid(), n.gid(), n.mtime(), n.link(), n.size(),
          n.sha256(), n.xattrs())) {
        b.append(f).append('\0');
      }
    }
    b.append("end");
    Path tmp = Files.createTempFile(file.getParent(), ".layer", ".tmp");
    Files.writeString(tmp, b, StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
