package dev.apkimg.apk;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Reads an {@code APKINDEX.tar.gz}: an optional signature gzip stream, then a gzip stream with
 * {@code DESCRIPTION} and {@code APKINDEX}. The signature covers the second stream's compressed
 * bytes and is checked while they are read.
 */
public final class ApkIndexReader {
  private ApkIndexReader() {}

  public static ApkIndex read(InputStream in, KeyLookup keys) throws IOException {
    GzipMemberReader members = new GzipMemberReader(in);
    String description = "";
    List<PackageInfo> packages = new ArrayList<>();
    SignatureStatus status = SignatureStatus.unsigned();

    InputStream first = members.nextMember();
    TarArchiveInputStream tar = new TarArchiveInputStream(first);
    List<Signed> signatures = new ArrayList<>();
    boolean sawContent = false;
    TarArchiveEntry e;
    while ((e = tar.getNextEntry()) != null) {
      if (SignatureVerifier.isSignatureEntry(e.getName())) {
        signatures.add(new Signed(e.getName(), tar.readAllBytes()));
      } else {
        // No signature stream: the first stream is the index itself.
        sawContent = true;
        if (e.getName().equals("DESCRIPTION")) {
          description = new String(tar.readAllBytes(), StandardCharsets.UTF_8).trim();
        } else if (e.getName().equals("APKINDEX")) {
          packages = parse(tar);
        }
      }
    }
    first.close();
    if (sawContent) {
      return new ApkIndex(description, packages, status);
    }

    SignatureVerifier verifier = null;
    for (Signed s : signatures) {
      Optional<SignatureVerifier> v = SignatureVerifier.forEntry(s.entryName(), s.signature(), keys);
      if (v.isPresent()) {
        verifier = v.get();
        break;
      }
    }
    if (!signatures.isEmpty() && verifier == null) {
      status = new SignatureStatus(SignatureStatus.Kind.UNTRUSTED_KEY,
          SignatureVerifier.keyNameOf(signatures.get(0).entryName()));
    }
    InputStream second = verifier == null ? members.nextMember() : members.nextMember(verifier::update);
    tar = new TarArchiveInputStream(second);
    while ((e = tar.getNextEntry()) != null) {
      if (e.getName().equals("DESCRIPTION")) {
        description = new String(tar.readAllBytes(), StandardCharsets.UTF_8).trim();
      } else if (e.getName().equals("APKINDEX")) {
        packages = parse(tar);
      }
    }
    second.close();
    if (verifier != null) {
      status = verifier.verify()
          ? SignatureStatus.verified(verifier.keyName())
          : new SignatureStatus(SignatureStatus.Kind.BAD_SIGNATURE, verifier.keyName());
    }
    return new ApkIndex(description, packages, status);
  }

  /** Parses APKINDEX text: {@code K:value} lines, packages separated by blank lines. */
  public static List<PackageInfo> parse(InputStream text) throws IOException {
    BufferedReader r = new BufferedReader(new InputStreamReader(text, StandardCharsets.UTF_8));
    List<PackageInfo> out = new ArrayList<>();
    PackageInfoBuilder b = new PackageInfoBuilder();
    String line;
    int lineNo = 0;
    while ((line = r.readLine()) != null) {
      lineNo++;
      if (line.isEmpty()) {
        if (!b.isEmpty()) {
          out.add(build(b, lineNo));
          b = new PackageInfoBuilder();
        }
        continue;
      }
      if (line.length() < 2 || line.charAt(1) != ':') {
        throw new IOException("APKINDEX line " + lineNo + " is not 'K:value': " + line);
      }
      try {
        b.set(line.charAt(0), line.substring(2));
      } catch (IllegalArgumentException ex) {
        throw new IOException("APKINDEX line " + lineNo + ": " + ex.getMessage(), ex);
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
      throw new IOException("APKINDEX entry ending at line " + lineNo + ": " + ex.getMessage(), ex);
    }
  }

  private record Signed(String entryName, byte[] signature) {}
}
