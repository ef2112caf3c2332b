package dev.apkimg.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Where {@link ReferrerReader} reads an image and the artifacts attached to it: an OCI image layout
 * (in a tar or a folder) or a registry. Every manifest and blob it returns has been checked against the
 * digest and size it was asked for, before anyone parses it: the source may be damaged or hostile.
 */
interface ArtifactStore extends Closeable {
  /** Manifests, indexes and referrers lists: far more than any real one, and what we read into memory. */
  int MAX_MANIFEST_BYTES = 4 << 20;
  /** Attached documents: an SBOM of thousands of packages is a few MiB. */
  int MAX_DOCUMENT_BYTES = 64 << 20;
  /** The only digests apkimg reads (and the only ones it writes); the form is checked before any use. */
  Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

  /** The top of the image: its manifest or index, and that manifest's digest. */
  record Top(String digest, byte[] bytes) {}

  /** How the user named the source, for messages. */
  String name();

  /** "archive", "folder", "registry": what is damaged when a digest does not match. */
  String kind();

  /** The image's manifest or index, verified when its digest is known in advance. */
  Top top() throws IOException;

  /** The manifest {@code digest}, verified ({@code size} < 0: unknown). */
  byte[] manifest(String digest, long size) throws IOException;

  /** The blob {@code digest} of {@code size} bytes, verified, at most {@code max} bytes. */
  byte[] blob(String digest, long size, int max) throws IOException;

  /**
   * The descriptors of the manifests that may name {@code subjectDigest} as their subject (a registry's
   * referrers list, the entries of a layout's {@code index.json}); the caller verifies each.
   */
  List<JsonNode> referrers(String subjectDigest) throws IOException;

  /** {@code digest}, or an exception naming the source when it is not a sha256 digest. */
  default String checkedDigest(String digest) throws IOException {
    if (digest == null || !DIGEST.matcher(digest).matches()) {
      throw new IOException(name() + " names a blob by '" + (digest == null ? "" : clip(digest))
          + "', not a sha256 digest (the only kind apkimg reads)");
    }
    return digest;
  }

  /** {@code bytes} if they are {@code digest} (and {@code size}, unless negative); else an exception saying so. */
  default byte[] verified(byte[] bytes, String digest, long size) throws IOException {
    String actual = PlatformImage.digest(bytes);
    if (!actual.equals(digest) || (size >= 0 && bytes.length != size)) {
      throw new DamagedException(name() + " holds other content for " + digest + " (" + actual + ", "
          + bytes.length + " bytes" + (size >= 0 ? " where " + size + " were listed" : "") + "): the " + kind()
          + " is damaged or was tampered with; nothing was printed");
    }
    return bytes;
  }

  /** Content that does not match its digest: never retried, never parsed. */
  final class DamagedException extends IOException {
    DamagedException(String message) {
      super(message);
    }
  }

  static String clip(String s) {
    String t = s.replaceAll("\\p{Cntrl}", "?");
    return t.length() > 80 ? t.substring(0, 80) + "..." : t;
  }
}
