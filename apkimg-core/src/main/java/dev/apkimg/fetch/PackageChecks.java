package dev.apkimg.fetch;

import dev.apkimg.ApkimgException;
import dev.apkimg.apk.ApkPackage;
import dev.apkimg.apk.PackageInfo;
import dev.apkimg.apk.PackageNames;
import dev.apkimg.resolve.RepositoryPackage;
import java.net.URI;

/**
 * What {@link PackageFetcher} demands of a package beyond its bytes: an index entry with a
 * checksum, and an architecture that suits the build, both in the index and in the package's own
 * {@code .PKGINFO}. Kept apart because the same checks guard a download and a cache hit.
 */
final class PackageChecks {
  private PackageChecks() {}

  /** The index entry must give a checksum to verify against, and suit the build's architecture. */
  static void checkIndexEntry(RepositoryPackage rp, String arch) {
    PackageInfo p = rp.info();
    if (!PackageNames.isValidChecksum(p.checksum())) {
      throw new ApkimgException("package " + p.nameVersion() + " in " + rp.repository()
          + " has no valid checksum (C:), which apkimg needs to verify it: the index is not usable");
    }
    if (p.arch() != null && !compatible(p.arch(), arch)) {
      throw new ApkimgException("package " + p.nameVersion() + " in " + rp.repository() + " is for "
          + p.arch() + " (index A:), not for " + arch + ", the architecture being built");
    }
  }

  /** The package's own {@code .PKGINFO arch} must suit the build, as its index entry must. */
  static void checkPackageArch(ApkPackage read, PackageInfo p, String arch, URI uri) {
    String own = read.info().arch();
    if (own != null && !compatible(own, arch)) {
      throw new ApkimgException("package " + p.nameVersion() + " from " + uri + " is built for " + own
          + " (.PKGINFO arch), not for " + arch + ", the architecture being built");
    }
  }

  static boolean compatible(String packageArch, String buildArch) {
    return packageArch.equals(buildArch) || packageArch.equals(PackageFetcher.NOARCH);
  }
}
