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
 */
public record ImageFacts(
    String reference,
    String arch,
    String platform,
    String manifestDigest,
    String configDigest,
    Instant created,
    String toolVersion,
    List<InstalledPackage> packages) {

  public ImageFacts {
    Objects.requireNonNull(reference, "reference");
    Objects.requireNonNull(arch, "arch");
    Objects.requireNonNull(manifestDigest, "manifestDigest");
    Objects.requireNonNull(created, "created");
    Objects.requireNonNull(toolVersion, "toolVersion");
    packages = List.copyOf(packages);
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
   */
  public record InstalledPackage(
      PackageInfo info,
      String controlChecksum,
      String dataSha256,
      String repository,
      String download,
      List<String> dependsOn) {
    public InstalledPackage {
      Objects.requireNonNull(info, "info");
      dependsOn = List.copyOf(dependsOn);
    }
  }
}
