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
 * @param application for an image a front end put an application on (the Maven plugin): the
 *     application and its dependencies as they are in the image; else null
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
    OperatingSystem os,
    Application application) {

  public ImageFacts {
    Objects.requireNonNull(reference, "reference");
    Objects.requireNonNull(arch, "arch");
    Objects.requireNonNull(manifestDigest, "manifestDigest");
    Objects.requireNonNull(created, "created");
    Objects.requireNonNull(toolVersion, "toolVersion");
    packages = List.copyOf(packages);
  }

  /** An image of apk packages only, without os-release. */
  public ImageFacts(String reference, String arch, String platform, String manifestDigest, String configDigest,
      Instant created, String toolVersion, List<InstalledPackage> packages) {
    this(reference, arch, platform, manifestDigest, configDigest, created, toolVersion, packages, null, null);
  }

  /** These facts with {@code os} (null: none). */
  public ImageFacts withOs(OperatingSystem os) {
    return new ImageFacts(reference, arch, platform, manifestDigest, configDigest, created, toolVersion, packages, os,
        application);
  }

  /** These facts with {@code application} (null: none) on top of the packages. */
  public ImageFacts withApplication(Application application) {
    return new ImageFacts(reference, arch, platform, manifestDigest, configDigest, created, toolVersion, packages, os,
        application);
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

  /**
   * An application in the image, as its build tool knows it: the application itself, which
   * depends on each of {@code dependencies}.
   *
   * @param application the application: its coordinates, packaging as type, no scope; where it
   *     lies in the image; no checksum when it is a folder of classes rather than one file
   * @param dependencies the files it needs at run time, in its build tool's (classpath) order
   */
  public record Application(Component application, List<Component> dependencies) {
    public Application {
      Objects.requireNonNull(application, "application");
      dependencies = List.copyOf(dependencies);
    }
  }

  /**
   * A Maven artifact in the image.
   *
   * @param groupId its group
   * @param artifactId its artifact id
   * @param version its version (a snapshot as resolved, e.g. {@code 1.0-SNAPSHOT})
   * @param type Maven's type, e.g. {@code jar}; for the application its packaging
   * @param classifier the classifier, or null
   * @param scope Maven's scope ({@code compile}, {@code runtime}), or null for the application
   * @param sha256 SHA-256 (hex) of the file as it is in the image, or null
   * @param path its absolute path in the image, or null
   */
  public record Component(String groupId, String artifactId, String version, String type, String classifier,
      String scope, String sha256, String path) {
    public Component {
      Objects.requireNonNull(groupId, "groupId");
      Objects.requireNonNull(artifactId, "artifactId");
      Objects.requireNonNull(version, "version");
    }
  }
}
