package dev.apkimg.apk;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Reads an {@code APKINDEX.tar.gz}: an optional signature gzip stream, then a gzip stream with
 * {@code DESCRIPTION} and {@code APKINDEX}. The signature covers the second stream's compressed
 * bytes; it is verified, and the caller's {@link SignaturePolicy} consulted, <em>before</em> a
 * byte of the index is parsed. Every stream is bounded (see the limits below), so a hostile or
 * broken mirror cannot exhaust memory, signed or not.
 */
public final class ApkIndexReader {
  /** The signature stream, uncompressed: a tar of a few {@code .SIGN.*} entries of ~512 bytes each. */
  public static final long MAX_SIGNATURE_STREAM = 64 * 1024;
  /**
   * The index stream (DESCRIPTION + APKINDEX tar), uncompressed. Alpine's largest (community,
   * x86_64) is about 10 MiB; this is room for 25 times that.
   */
  public static final long MAX_INDEX_STREAM = 256L << 20;
  /**
   * The index stream's compressed bytes, held in memory between the signature check and parsing
   * (Alpine's largest is about 3 MiB).
   */
  public static final long MAX_INDEX_COMPRESSED = 64L << 20;
  /** The whole {@code APKINDEX.tar.gz} as downloaded: both streams, compressed. */
  public static final long MAX_INDEX_FILE = MAX_SIGNATURE_STREAM + MAX_INDEX_COMPRESSED;
  /** Packages in one index (Alpine's largest has about 20,000): bounds what tiny entries can make us hold. */
  public static final int MAX_PACKAGES = 1_000_000;
  /** One APKINDEX line (the longest real ones, dependency lists, are a few KiB). */
  public static final int MAX_LINE = 1 << 20;

  /**
   * Decides, before the index is parsed, whether its signature is acceptable; throws to refuse.
   */
  @FunctionalInterface
  public interface SignaturePolicy {
    void check(SignatureStatus status) throws IOException;
  }

  /** Accepts any signature status; the caller reads it from {@link ApkIndex#signature()}. */
  public static final SignaturePolicy ACCEPT_ANY = status -> { };

  private ApkIndexReader() {}

  /** Reads and bounds {@code in}; the result reports the signature status, whatever it is. */
  public static ApkIndex read(InputStream in, KeyLookup keys) throws IOException {
    return read(in, keys, ACCEPT_ANY);
  }

  /**
   * Reads {@code in}: verifies the signature first, asks {@code policy} (which throws to refuse),
   * and only then parses the index.
   */
  public static ApkIndex read(InputStream in, KeyLookup keys, SignaturePolicy policy) throws IOException {
    GzipMemberReader members = new GzipMemberReader(in);
    if (!members.hasNextMember()) {
      throw new ApkFormatException("the file is empty");
    }
    members.limitCompressed(MAX_INDEX_COMPRESSED, "its first stream");
    BoundedInputStream first = new BoundedInputStream(members.nextMember(), MAX_SIGNATURE_STREAM,
        limit -> new ApkFormatException("its signature stream is larger than " + BoundedInputStream.describe(limit)
            + " uncompressed (the limit)"));
    TarArchiveInputStream tar = new TarArchiveInputStream(first);
    TarArchiveEntry e = tar.getNextEntry();
    if (e == null) {
      throw new ApkFormatException("its first stream holds no files");
    }
    if (!SignatureVerifier.isSignatureEntry(e.getName())) {
      // No signature stream: the first stream is the index itself, unsigned.
      SignatureStatus status = SignatureStatus.unsigned();
      policy.check(status);
      first.limit(MAX_INDEX_STREAM);
      return readContent(tar, e, status, first);
    }

    List<Signed> signatures = new ArrayList<>();
    while (e != null) {
      if (SignatureVerifier.isSignatureEntry(e.getName())) {
        signatures.add(new Signed(e.getName(), tar.readAllBytes()));
      }
      e = tar.getNextEntry();
    }
    first.close();
    SignatureVerifier verifier = null;
    for (Signed s : signatures) {
      Optional<SignatureVerifier> v = SignatureVerifier.forEntry(s.entryName(), s.signature(), keys);
      if (v.isPresent()) {
        verifier = v.get();
        break;
      }
    }
    if (!members.hasNextMember()) {
      throw new ApkFormatException("it has a signature but no index stream");
    }
    if (verifier == null) {
      // Signed by no key we know: nothing to verify, so the policy decides now.
      SignatureStatus status = new SignatureStatus(SignatureStatus.Kind.UNTRUSTED_KEY,
          SignatureVerifier.keyNameOf(signatures.get(0).entryName()));
      policy.check(status);
      return readContent(indexStream(members.nextMember()), status);
    }

    // Read the signed stream once to verify it (keeping its compressed bytes, bounded), then parse
    // those bytes: nothing from the mirror is parsed before its signature holds.
    ByteArrayOutputStream compressed = new ByteArrayOutputStream(1 << 16);
    members.limitCompressed(MAX_INDEX_COMPRESSED, "its index stream");
    SignatureVerifier signer = verifier;
    InputStream signed = indexStream(members.nextMember(signer::update, compressed::write));
    byte[] discard = new byte[1 << 16];
    while (signed.read(discard, 0, discard.length) >= 0) {
      // inflated only to check the stream and its size; parsed below, once verified
    }
    SignatureStatus status = signer.verify()
        ? SignatureStatus.verified(signer.keyName())
        : new SignatureStatus(SignatureStatus.Kind.BAD_SIGNATURE, signer.keyName());
    policy.check(status);
    GzipMemberReader verified = new GzipMemberReader(new ByteArrayInputStream(compressed.toByteArray()));
    return readContent(indexStream(verified.nextMember()), status);
  }

  private static BoundedInputStream indexStream(InputStream member) {
    return new BoundedInputStream(member, MAX_INDEX_STREAM,
        limit -> new ApkFormatException("its index stream is larger than " + BoundedInputStream.describe(limit)
            + " uncompressed (the limit; real indexes are a few MiB)"));
  }

  private static ApkIndex readContent(InputStream member, SignatureStatus status) throws IOException {
    TarArchiveInputStream tar = new TarArchiveInputStream(member);
    TarArchiveEntry e = tar.getNextEntry();
    if (e == null) {
      throw new ApkFormatException("its index stream holds no files");
    }
    return readContent(tar, e, status, member);
  }

  private static ApkIndex readContent(TarArchiveInputStream tar, TarArchiveEntry first, SignatureStatus status,
      InputStream member) throws IOException {
    String description = "";
    List<PackageInfo> packages = null;
    for (TarArchiveEntry e = first; e != null; e = tar.getNextEntry()) {
      if (e.getName().equals("DESCRIPTION")) {
        description = new String(new BoundedInputStream(tar, MAX_LINE,
            limit -> new ApkFormatException("its DESCRIPTION is larger than " + BoundedInputStream.describe(limit)))
            .readAllBytes(), StandardCharsets.UTF_8).trim();
      } else if (e.getName().equals("APKINDEX")) {
        packages = parse(tar);
      }
    }
    member.close();
    if (packages == null) {
      throw new ApkFormatException("it has no APKINDEX file");
    }
    return new ApkIndex(description, packages, status);
  }

  /**
   * Parses APKINDEX text: {@code K:value} lines, packages separated by blank lines. Each package's
   * name, version, arch and checksum are checked against apk's grammar ({@link PackageNames}).
   */
  public static List<PackageInfo> parse(InputStream text) throws IOException {
    LineReader r = new LineReader(text);
    List<PackageInfo> out = new ArrayList<>();
    PackageInfoBuilder b = new PackageInfoBuilder();
    String line;
    int lineNo = 0;
    while ((line = r.readLine()) != null) {
      lineNo++;
      if (line.isEmpty()) {
        if (!b.isEmpty()) {
          if (out.size() >= MAX_PACKAGES) {
            throw new ApkFormatException("APKINDEX lists more than " + MAX_PACKAGES + " packages (the limit)");
          }
          out.add(build(b, lineNo));
          b = new PackageInfoBuilder();
        }
        continue;
      }
      if (line.length() < 2 || line.charAt(1) != ':') {
        throw new ApkFormatException("APKINDEX line " + lineNo + " is not 'K:value': " + PackageNames.quote(line));
      }
      try {
        b.set(line.charAt(0), line.substring(2));
      } catch (IllegalArgumentException ex) {
        throw new ApkFormatException("APKINDEX line " + lineNo + ": " + ex.getMessage());
      }
    }
    if (!b.isEmpty()) {
      out.add(build(b, lineNo));
    }
    return out;
  }

  private static PackageInfo build(PackageInfoBuilder b, int lineNo) throws IOException {
    try {
      return b.build();
    } catch (IllegalArgumentException ex) {
      throw new ApkFormatException("APKINDEX entry ending at line " + lineNo + ": " + ex.getMessage());
    }
  }

  /** UTF-8 lines ending in '\n', each at most {@link #MAX_LINE} bytes. */
  private static final class LineReader {
    private final InputStream in;
    private final byte[] buf = new byte[1 << 16];
    private int pos;
    private int limit;
    private byte[] line = new byte[256];

    LineReader(InputStream in) {
      this.in = in;
    }

    String readLine() throws IOException {
      int len = 0;
      while (true) {
        if (pos == limit) {
          int n = in.read(buf, 0, buf.length);
          if (n < 0) {
            return len == 0 ? null : decode(len);
          }
          pos = 0;
          limit = n;
        }
        int start = pos;
        while (pos < limit && buf[pos] != '\n') {
          pos++;
        }
        int chunk = pos - start;
        if (len + chunk > MAX_LINE) {
          throw new ApkFormatException("APKINDEX has a line longer than " + BoundedInputStream.describe(MAX_LINE));
        }
        if (len + chunk > line.length) {
          line = java.util.Arrays.copyOf(line, Math.max(len + chunk, line.length * 2));
        }
        System.arraycopy(buf, start, line, len, chunk);
        len += chunk;
        if (pos < limit) {
          pos++; // the '\n'
          return decode(len);
        }
      }
    }

    private String decode(int len) {
      if (len > 0 && line[len - 1] == '\r') {
        len--;
      }
      return new String(line, 0, len, StandardCharsets.UTF_8);
    }
  }

  private record Signed(String entryName, byte[] signature) {}
}
