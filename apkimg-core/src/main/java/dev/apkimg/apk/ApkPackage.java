package dev.apkimg.apk;

import java.util.List;

/**
 * What reading an .apk established: its metadata from {@code .PKGINFO}, its identity
 * ({@code Q1} checksum of the control stream), its signature status, scripts and triggers.
 *
 * @param dataHash SHA-256 (hex) of the data stream's compressed bytes, as read
 * @param dataSize the data stream's compressed size: it is the file's last {@code dataSize} bytes
 */
public record ApkPackage(
    PackageInfo info,
    String controlChecksum,
    String dataHash,
    long dataSize,
    SignatureStatus signature,
    List<InstallScript> scripts,
    List<String> triggers) {
  public ApkPackage {
    scripts = List.copyOf(scripts);
    triggers = List.copyOf(triggers);
  }
}
