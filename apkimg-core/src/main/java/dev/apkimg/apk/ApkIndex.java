package dev.apkimg.apk;

import java.util.List;

/** One repository's APKINDEX for one architecture. */
public record ApkIndex(String description, List<PackageInfo> packages, SignatureStatus signature) {
  public ApkIndex {
    packages = List.copyOf(packages);
  }
}
