package dev.apkimg.sbom;

import dev.apkimg.apk.PackageInfo;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What a bill of materials says about one architecture's image, gathered by the build from what
 * it resolved, fetched and verified (never by scanning the root filesystem).
 *
 * @param reference the image name as given, e.g. {@code apkimg/alpine-base:latest}
 * @param arch the apk architecture, e.g. {@code x86_64}
 * @param platform the OCI platform, e.g. {@code linux/amd64}
 * @param manifestDigest the image manifest's digest ({@code sha256:...})
 * @param configDigest the image configuration's digest
 * @param created the image's creation time
 * @param toolVersion apkimg's version
 * @param packages the installed packages, in install order
 * @param os the distribution as the image's os-release names it; null when the image has none
 */
public record ImageFacts(
    String reference,
    String arch,
    String platform,
    String manifestDigest,
    String configDigest,
    Instant created,
    String toolVersion,
    List<InstalledPackage> packages,
    OperatingSystem os) {

  public ImageFacts {
    Objects.requireNonNull(reference, "reference");
    Objects.requireNonNull(arch, "arch");
    Objects.requireNonNull(manifestDigest, "manifestDigest");
    Objects.requireNonNull(created, "created");
    Objects.requireNonNull(toolVersion, "toolVersion");
    packages = List.copyOf(packages);
  }

  /** An image without os-release. */
  public ImageFacts(String reference, String arch, String platform, String manifestDigest, String configDigest,
      Instant created, String toolVersion, List<InstalledPackage> packages) {
    this(reference, arch, platform, manifestDigest, configDigest, created, toolVersion, packages, null);
  }

  /**
   * The distribution, from os-release(5).
   *
   * @param id {@code ID}, e.g. {@code alpine}
   * @param versionId {@code VERSION_ID}, e.g. {@code 3.20.3}; may be null
   * @param name {@code PRETTY_NAME}, else {@code NAME}; may be null
   */
  public record OperatingSystem(String id, String versionId, String name) {
    public OperatingSystem {
      Objects.requireNonNull(id, "id");
    }
  }

  /**
   * One installed package.
   *
   * @param info its metadata (name, version, arch, license, origin, maintainer, homepage)
   * @param controlChecksum apk's {@code Q1} identity: {@code Q1} + base64(SHA-1 of the control stream)
   * @param dataSha256 SHA-256 (hex) of its data stream (apk's datahash), as verified
   * @param repository the URL of the repository it came from (no credentials)
   * @param download the URL of its .apk file
   * @param dependsOn the names of the installed packages that satisfy its dependencies, in install order
   * @param installIf its {@code install_if} condition as declared (e.g. {@code busybox openrc}), when it has one:
   *     apk installed it because the packages named there are installed
   */
  public record InstalledPackage(
      PackageInfo info,
      String controlChecksum,
      String dataSha256,
      String repository,
      String download,
      List<String> dependsOn,
      List<String> installIf) {
    public InstalledPackage {
      Objects.requireNonNull(info, "info");
      dependsOn = List.copyOf(dependsOn);
      installIf = List.copyOf(installIf);
    }

    /** A package without {@code install_if}. */
    public InstalledPackage(PackageInfo info, String controlChecksum, String dataSha256, String repository,
        String download, List<String> dependsOn) {
      this(info, controlChecksum, dataSha256, repository, download, dependsOn, List.of());
    }
  }
}
