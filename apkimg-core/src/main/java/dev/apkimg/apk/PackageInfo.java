package dev.apkimg.apk;

import java.util.List;
import java.util.Objects;

/**
 * A package as an APKINDEX (or a {@code .PKGINFO}) describes it. {@code checksum} is apk's
 * identity of the package: {@code Q1} + base64(SHA-1 of the control gzip stream).
 */
public record PackageInfo(
    String checksum,
    String name,
    String version,
    String arch,
    long size,
    long installedSize,
    String description,
    String url,
    String license,
    String origin,
    String maintainer,
    long buildTime,
    String commit,
    int providerPriority,
    List<Dependency> depends,
    List<Dependency> provides,
    List<Dependency> installIf,
    List<Dependency> replaces,
    int replacesPriority) {

  public PackageInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(version, "version");
    depends = List.copyOf(depends);
    provides = List.copyOf(provides);
    installIf = List.copyOf(installIf);
    replaces = List.copyOf(replaces);
  }

  /** The same package with its {@code Q1} identity set (a {@code .PKGINFO} does not carry it). */
  public PackageInfo withChecksum(String q1) {
    return new PackageInfo(q1, name, version, arch, size, installedSize, description, url, license, origin,
        maintainer, buildTime, commit, providerPriority, depends, provides, installIf, replaces,
        replacesPriority);
  }

  /** The same package with its .apk file size set (a {@code .PKGINFO} does not carry it). */
  public PackageInfo withSize(long apkSize) {
    return new PackageInfo(checksum, name, version, arch, apkSize, installedSize, description, url, license, origin,
        maintainer, buildTime, commit, providerPriority, depends, provides, installIf, replaces,
        replacesPriority);
  }

  /** A package known only by identity, as a lockfile pins it; the rest comes from its file. */
  public static PackageInfo pinned(String checksum, String name, String version, String arch) {
    return new PackageInfo(checksum, name, version, arch, 0, 0, "", "", "", null, null, 0, null, 0,
        List.of(), List.of(), List.of(), List.of(), 0);
  }

  /** {@code name-version}, as apk names package files and messages. */
  public String nameVersion() {
    return name + "-" + version;
  }

  /** The file name in a repository: {@code NAME-VERSION.apk}. */
  public String fileName() {
    return nameVersion() + ".apk";
  }

  /** Whether this package satisfies {@code dep} by its own name or by one of its provides. */
  public boolean satisfies(Dependency dep) {
    if (name.equals(dep.name())) {
      return dep.versionMatches(version) || checksumMatches(dep);
    }
    for (Dependency p : provides) {
      if (p.name().equals(dep.name())) {
        // An unversioned provide never satisfies a versioned constraint, as in apk.
        if (dep.operator() == Dependency.Operator.ANY) {
          return true;
        }
        if (p.operator() == Dependency.Operator.EQUAL && dep.versionMatches(p.version())) {
          return true;
        }
      }
    }
    return false;
  }

  /** apk compares the whole {@code Q1...} identity: a prefix pins nothing (apk-tools 2.14 refuses it). */
  private boolean checksumMatches(Dependency dep) {
    return dep.operator() == Dependency.Operator.CHECKSUM
        && checksum != null
        && checksum.equals(dep.version());
  }

  @Override
  public String toString() {
    return nameVersion();
  }
}
