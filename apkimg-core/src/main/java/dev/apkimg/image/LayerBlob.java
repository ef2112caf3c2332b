package dev.apkimg.image;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * A gzipped layer tar on disk with its descriptor values.
 *
 * @param file the file that holds the gzipped tar: a {@code .tar.gz}, or an .apk whose data stream
 *     is the layer
 * @param digest {@code sha256:<hex>} of the gzipped bytes (the blob digest)
 * @param diffId {@code sha256:<hex>} of the uncompressed tar (the rootfs diff id)
 * @param size the size of the gzipped bytes
 * @param offset where in {@code file} they start (0 for a {@code .tar.gz})
 */
public record LayerBlob(Path file, String digest, String diffId, long size, long offset) {

  private static final Pattern SHA256 = Pattern.compile("sha256:[0-9a-f]{64}");

  public LayerBlob {
    Objects.requireNonNull(file, "file");
    requireSha256(digest, "digest");
    requireSha256(diffId, "diffId");
    if (size < 0) {
      throw new IllegalArgumentException("size must not be negative: " + size);
    }
    if (offset < 0) {
      throw new IllegalArgumentException("offset must not be negative: " + offset);
    }
  }

  /** A whole {@code .tar.gz} file. */
  public LayerBlob(Path file, String digest, String diffId, long size) {
    this(file, digest, diffId, size, 0);
  }

  /** Opens the blob's bytes (exactly {@link #size()} of them, unless the file is shorter). */
  public InputStream open() throws IOException {
    return openRange(file, offset, size);
  }

  static InputStream openRange(Path file, long offset, long size) throws IOException {
    java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ);
    try {
      ch.position(offset);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    return new dev.apkimg.LimitedInputStream(java.nio.channels.Channels.newInputStream(ch), size);
  }

  /** Reads {@code gzFile} once, computing its digest, diff id and size. */
  public static LayerBlob of(Path gzFile) throws IOException {
    MessageDigest compressed = sha256();
    MessageDigest uncompressed = sha256();
    byte[] buffer = new byte[64 * 1024];
    // Buffer above the digest: the gzip reader marks and resets its input, and a reset below the
    // digest would digest those bytes twice.
    try (InputStream file = Files.newInputStream(gzFile);
        InputStream raw = new BufferedInputStream(new DigestInputStream(file, compressed), 1 << 16)) {
      try {
        // Not closed: closing would close `raw` before the trailing bytes are counted.
        GzipCompressorInputStream gunzip =
            GzipCompressorInputStream.builder()
                .setInputStream(raw)
                .setDecompressConcatenated(true)
                .get();
        for (int n; (n = gunzip.read(buffer)) != -1; ) {
          uncompressed.update(buffer, 0, n);
        }
      } catch (IOException e) {
        throw new IOException("layer " + gzFile + " is not a valid gzip stream: " + e.getMessage(), e);
      }
      // Whatever follows the gzip data is still part of the blob's bytes.
      while (raw.read(buffer) != -1) {
        // digesting only
      }
    }
    return new LayerBlob(gzFile, hex(compressed), hex(uncompressed), Files.size(gzFile));
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }

  static String hex(MessageDigest digest) {
    return "sha256:" + HexFormat.of().formatHex(digest.digest());
  }

  private static void requireSha256(String value, String name) {
    if (value == null || !SHA256.matcher(value).matches()) {
      throw new IllegalArgumentException(name + " must be sha256:<64 hex digits>, was " + value);
    }
  }
}
