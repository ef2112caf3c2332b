package dev.apkimg.resolve;

import dev.apkimg.apk.PackageInfo;
import dev.apkimg.repo.Repository;

/** A package as offered by one repository; {@code repositoryOrder} is its place in the profile (0 first). */
public record RepositoryPackage(PackageInfo info, Repository repository, int repositoryOrder) {
  @Override
  public String toString() {
    return info.nameVersion();
  }
}
