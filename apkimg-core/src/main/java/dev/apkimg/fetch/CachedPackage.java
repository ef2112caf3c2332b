package dev.apkimg.fetch;

import dev.apkimg.ApkimgException;
import dev.apkimg.apk.ApkFormatException;
import dev.apkimg.apk.ApkPackage;
import dev.apkimg.apk.ApkPackageReader;
import dev.apkimg.apk.KeyLookup;
import dev.apkimg.apk.PackageInfo;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A package file already in the {@link PackageCache}: verified on every use as a download is,
 * and evicted when it fails. Kept apart from {@link PackageFetcher}'s download path because its
 * failures are not errors but reasons to fetch again, worded as such.
 */
final class CachedPackage {
  private CachedPackage() {}

  /**
   * Reads a cached file through (one streaming pass) and checks it against what the index or
   * lockfile pins; an {@link IOException} means the file is not the package (evict it).
   */
  static ApkPackage verify(Path file, PackageFetcher.Wanted w, String arch, URI uri, KeyLookup keys) throws IOException {
    return verify(file, w, arch, uri, keys, sha256());
  }

  /** As above; {@code fileDigest} is fed every byte of the file in the same pass. */
  static ApkPackage verify(Path file, PackageFetcher.Wanted w, String arch, URI uri, KeyLookup keys,
      MessageDigest fileDigest) throws IOException {
    PackageInfo p = w.pkg().info();
    ApkPackage read;
    try (InputStream in = new DigestInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16),
        fileDigest)) {
      read = ApkPackageReader.read(in, keys, file.toString(), ApkPackageReader.SKIP_DATA);
      // Bytes past the package's streams, if any, are part of the file all the same.
      in.transferTo(OutputStream.nullOutputStream());
    } catch (NoSuchFileException e) {
      throw new ApkFormatException("disappeared");
    } catch (ApkFormatException e) {
      throw new ApkFormatException("is corrupt (" + e.getMessage().replace(file + ": ", "").replace(file + " ", "")
          + ")");
    } catch (IOException e) {
      throw new ApkFormatException("is corrupt or truncated (" + e.getMessage() + ")");
    } catch (RuntimeException e) {
      throw new ApkFormatException("is corrupt (" + e.getMessage() + ")");
    }
    if (!read.controlChecksum().equals(p.checksum())) {
      throw new ApkFormatException("is another package (checksum " + read.controlChecksum() + ", expected "
          + p.checksum() + ")");
    }
    if (w.dataSha256() != null && !w.dataSha256().equalsIgnoreCase(read.dataHash())) {
      throw new ApkFormatException("has other data (SHA-256 " + read.dataHash() + ", pinned " + w.dataSha256() + ")");
    }
    PackageChecks.checkPackageArch(read, p, arch, uri);
    return read;
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static void evict(Path file, PackageInfo p) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new ApkimgException("cached package " + p.nameVersion() + " (" + file + ") is corrupt and cannot be"
          + " removed (" + e.getMessage() + "): delete it, or the whole cache folder, and build again", e);
    }
  }
}
