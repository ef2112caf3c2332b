package dev.apkimg.rootfs;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;

/**
 * apk's checksums ({@code Q1} + base64 of a SHA-1) and the digests the layer needs. Kept apart
 * so the scan, the entry records and the output share one spelling of each.
 */
final class ApkChecksums {
  private ApkChecksums() {}

  /** apk's text form of a SHA-1: {@code Q1} and its base64. */
  static String q1(byte[] sha1) {
    return "Q1" + Base64.getEncoder().encodeToString(sha1);
  }

  /** apk's text form of a SHA-1 given in hex (the {@code APK-TOOLS.checksum.SHA1} PAX record). */
  static String q1Hex(String hex) {
    return "Q1" + Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex));
  }

  static byte[] sha1(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-1").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] sha1(InputStream in) throws IOException {
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

  static MessageDigest sha1Digest() {
    try {
      return MessageDigest.getInstance("SHA-1");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
