package dev.apkimg.apk;

import dev.apkimg.tar.TarEntry;
import dev.apkimg.tar.TarReader;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Reads an apk v2 package in one pass: signature stream, control stream ({@code .PKGINFO},
 * scripts), data stream. The control stream's SHA-1 (the package's {@code Q1} identity), its
 * signature and the data stream's SHA-256 ({@code datahash}) are computed as the bytes go by;
 * the data entries are handed to a visitor without being held in memory.
 */
public final class ApkPackageReader {
  /**
   * Receives each data entry; {@code content} yields the entry's bytes (reading them is optional).
   * Entries come from our own {@link TarReader}, so extended attributes arrive byte for byte.
   */
  @FunctionalInterface
  public interface DataVisitor {
    void visit(TarEntry entry, InputStream content) throws IOException;
  }

  /** The signature stream, uncompressed: a tar of a few {@code .SIGN.*} entries of ~512 bytes each. */
  public static final long MAX_SIGNATURE_STREAM = 64 * 1024;
  /**
   * The control stream ({@code .PKGINFO} and install scripts, held in memory), uncompressed; real
   * ones are a few KiB.
   */
  public static final long MAX_CONTROL_STREAM = 16L << 20;

  /**
   * Verification only: the data stream is hashed, not inflated, so its tar is not looked at
   * (what vouches for it is its SHA-256 against the signed datahash; its entries are checked
   * where they are installed).
   */
  public static final DataVisitor SKIP_DATA = (entry, content) -> { };

  private ApkPackageReader() {}

  /**
   * Reads and verifies {@code in}. Throws {@link ApkFormatException} if the package is malformed,
   * its data does not match its {@code datahash}, or a signature by a trusted key is bad.
   * A signature by an unknown key is reported in the result (the caller decides whether the
   * index's checksum vouches for the package, as apk does).
   */
  public static ApkPackage read(InputStream in, KeyLookup keys, String source, DataVisitor visitor)
      throws IOException {
    return read(in, keys, source, visitor, null);
  }

  /**
   * As {@link #read(InputStream, KeyLookup, String, DataVisitor)}; {@code tarBytes}, when not
   * null, also receives the data stream's uncompressed tar, every byte (for a layer's diff id).
   */
  public static ApkPackage read(InputStream in, KeyLookup keys, String source, DataVisitor visitor,
      GzipMemberReader.ByteSink tarBytes) throws IOException {
    GzipMemberReader members = new GzipMemberReader(in);
    MessageDigest sha1 = digest("SHA-1");
    List<Signed> signatures = new ArrayList<>();

    if (!members.hasNextMember()) {
      throw new ApkFormatException(source + " is empty");
    }
    // The first stream is the signature unless the package is unsigned.
    members.limitCompressed(MAX_CONTROL_STREAM, source + ": its first stream");
    BoundedInputStream first = new BoundedInputStream(members.nextMember(sha1::update), MAX_SIGNATURE_STREAM,
        limit -> new ApkFormatException(source + ": its signature stream is larger than "
            + BoundedInputStream.describe(limit) + " uncompressed (the limit)"));
    TarArchiveInputStream tar = new TarArchiveInputStream(first);
    TarArchiveEntry e = tar.getNextEntry();
    Control control = new Control();
    boolean firstIsControl = e != null && !SignatureVerifier.isSignatureEntry(e.getName());
    SignatureVerifier verifier = null;
    if (firstIsControl) {
      first.limit(MAX_CONTROL_STREAM);
      readControl(tar, e, control, source);
      first.close(); // reads to the member's end, wherever the tar stopped
    } else {
      while (e != null) {
        if (SignatureVerifier.isSignatureEntry(e.getName())) {
          signatures.add(new Signed(e.getName(), tar.readAllBytes()));
        }
        e = tar.getNextEntry();
      }
      first.close();
      for (Signed s : signatures) {
        Optional<SignatureVerifier> v = SignatureVerifier.forEntry(s.entryName(), s.signature(), keys);
        if (v.isPresent()) {
          verifier = v.get();
          break;
        }
      }
      sha1.reset();
      if (!members.hasNextMember()) {
        throw new ApkFormatException(source + " has a signature but no control data (.PKGINFO)");
      }
      members.limitCompressed(MAX_CONTROL_STREAM, source + ": its control stream");
      InputStream second = new BoundedInputStream(verifier == null
          ? members.nextMember(sha1::update)
          : members.nextMember(sha1::update, verifier::update), MAX_CONTROL_STREAM,
          limit -> new ApkFormatException(source + ": its control stream is larger than "
              + BoundedInputStream.describe(limit) + " uncompressed (the limit)"));
      tar = new TarArchiveInputStream(second);
      e = tar.getNextEntry();
      if (e == null) {
        throw new ApkFormatException(source + " has no control data (.PKGINFO)");
      }
      readControl(tar, e, control, source);
      second.close();
    }
    String q1 = "Q1" + Base64.getEncoder().encodeToString(sha1.digest());

    SignatureStatus status;
    if (verifier != null) {
      if (!verifier.verify()) {
        throw new ApkFormatException(source + " has a signature by " + verifier.keyName()
            + " that does not match its content: the file is corrupt or was tampered with");
      }
      status = SignatureStatus.verified(verifier.keyName());
    } else if (!signatures.isEmpty()) {
      status = new SignatureStatus(SignatureStatus.Kind.UNTRUSTED_KEY,
          SignatureVerifier.keyNameOf(signatures.get(0).entryName()));
    } else {
      status = SignatureStatus.unsigned();
    }
    if (control.info == null) {
      throw new ApkFormatException(source + " has no .PKGINFO");
    }

    MessageDigest sha256 = digest("SHA-256");
    if (!members.hasNextMember()) {
      throw new ApkFormatException(source + " has no data stream");
    }
    members.limitCompressed(Long.MAX_VALUE, source + ": its data stream");
    long dataSize;
    if (visitor == SKIP_DATA) {
      // The data stream is the rest of the file, and its SHA-256 against the signed datahash is
      // what vouches for it: hash it without inflating (its tar is read where it is used).
      dataSize = members.drainRaw(sha256::update);
    } else {
      InputStream data = members.nextMember(sha256::update);
      if (tarBytes != null) {
        data = new ObservedInputStream(data, tarBytes);
      }
      TarReader dataTar = new TarReader(data);
      TarEntry entry;
      while ((entry = dataTar.next()) != null) {
        visitor.visit(entry, dataTar.content());
      }
      data.close();
      dataSize = members.compressedBytes();
    }
    String dataHash = HexFormat.of().formatHex(sha256.digest());
    if (control.dataHash != null && !control.dataHash.equalsIgnoreCase(dataHash)) {
      throw new ApkFormatException(source + ": data does not match its .PKGINFO datahash (expected "
          + control.dataHash + ", got " + dataHash + "): the file is corrupt or was tampered with");
    }
    if (members.hasNextMember()) {
      throw new ApkFormatException(source + " has unexpected data after its data stream");
    }
    PackageInfo info = control.info.withChecksum(q1);
    return new ApkPackage(info, q1, dataHash, dataSize, status, control.scripts, control.triggers);
  }

  private static void readControl(TarArchiveInputStream tar, TarArchiveEntry first, Control control, String source)
      throws IOException {
    TarArchiveEntry e = first;
    while (e != null) {
      String name = e.getName();
      if (name.equals(".PKGINFO")) {
        parsePkgInfo(tar, control, source);
      } else if (InstallScript.isScriptEntry(name)) {
        control.scripts.add(new InstallScript(name.substring(1), tar.readAllBytes(),
            e.getModTime().getTime() / 1000));
      }
      e = tar.getNextEntry();
    }
  }

  private static void parsePkgInfo(InputStream in, Control control, String source) throws IOException {
    PackageInfoBuilder b = new PackageInfoBuilder();
    BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    String line;
    try {
      while ((line = r.readLine()) != null) {
        if (line.isEmpty() || line.startsWith("#")) {
          continue;
        }
        int eq = line.indexOf(" = ");
        if (eq < 0) {
          continue;
        }
        String key = line.substring(0, eq);
        String value = line.substring(eq + 3);
        switch (key) {
          case "pkgname" -> b.set('P', value);
          case "pkgver" -> b.set('V', value);
          case "arch" -> b.set('A', value);
          case "size" -> b.set('I', value);
          case "pkgdesc" -> b.set('T', value);
          case "url" -> b.set('U', value);
          case "license" -> b.set('L', value);
          case "origin" -> b.set('o', value);
          case "maintainer" -> b.set('m', value);
          case "builddate" -> b.set('t', value);
          case "commit" -> b.set('c', value);
          case "provider_priority" -> b.set('k', value);
          case "replaces_priority" -> b.set('q', value);
          case "depend" -> b.set('D', value);
          case "provides" -> b.set('p', value);
          case "install_if" -> b.set('i', value);
          case "replaces" -> b.set('r', value);
          case "triggers" -> control.triggers.addAll(List.of(value.trim().split("\\s+")));
          case "datahash" -> control.dataHash = value.trim();
          default -> { }
        }
      }
      control.info = b.build();
    } catch (IllegalArgumentException ex) {
      throw new ApkFormatException(source + ": bad .PKGINFO: " + ex.getMessage());
    }
  }

  private static MessageDigest digest(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final class Control {
    PackageInfo info;
    String dataHash;
    final List<InstallScript> scripts = new ArrayList<>();
    final List<String> triggers = new ArrayList<>();
  }

  private record Signed(String entryName, byte[] signature) {}
}
