package dev.apkimg.apk;

import java.util.List;

/**
 * What reading an .apk established: its metadata from {@code .PKGINFO}, its identity
 * ({@code Q1} checksum of the control stream), its signature status, scripts and triggers.
 */
public record ApkPackage(
    PackageInfo info,
    String controlChecksum,
    String dataHash,
    SignatureStatus signature,
    List<InstallScript> scripts,
    List<String> triggers) {
  public ApkPackage {
    scripts = List.copyOf(scripts);
    triggers = List.copyOf(triggers);
  }
}
