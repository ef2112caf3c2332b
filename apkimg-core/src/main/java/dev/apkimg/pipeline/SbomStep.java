package dev.apkimg.pipeline;

import dev.apkimg.apk.Dependency;
import dev.apkimg.apk.PackageInfo;
import dev.apkimg.image.PlatformImage;
import dev.apkimg.repo.Repository;
import dev.apkimg.rootfs.PackageSource;
import dev.apkimg.sbom.ImageFacts;
import dev.apkimg.sbom.Sbom;
import java.net.URI;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Step 5b: each architecture's SBOMs (SPDX and CycloneDX), from what the earlier steps resolved,
 * fetched and verified, and the image's digests; written by the publish step with the other files.
 */
final class SbomStep {
  private SbomStep() {}

  /** One SBOM file: its name in the SBOM folder and its bytes. */
  record Document(String arch, String format, String mediaType, String fileName, byte[] bytes) {
    String sha256() {
      try {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** Per architecture, in build order: {@code ARCH.spdx.json} then {@code ARCH.cdx.json}. */
  static List<Document> documents(BuildContext c, List<PlatformImage> images) {
    List<Document> documents = new ArrayList<>();
    String version = Sbom.toolVersion();
    for (int i = 0; i < c.builds.size(); i++) {
      ArchBuild a = c.builds.get(i);
      ImageFacts facts = facts(c.reference(), a, images.get(i), version);
      documents.add(new Document(a.arch, "spdx-2.3", "application/spdx+json", a.arch + ".spdx.json",
          Sbom.spdxJson(facts)));
      documents.add(new Document(a.arch, "cyclonedx-1.6", "application/vnd.cyclonedx+json", a.arch + ".cdx.json",
          Sbom.cycloneDxJson(facts)));
    }
    return documents;
  }

  /**
   * Per platform of {@code base}, as {@link #documents(BuildContext, List)}, from the package facts the
   * base carries (every platform must) and the application on it.
   */
  static List<Document> documents(dev.apkimg.api.BaseImage base, List<PlatformImage> images) {
    List<Document> documents = new ArrayList<>();
    String version = Sbom.toolVersion();
    for (int i = 0; i < base.platforms().size(); i++) {
      dev.apkimg.api.BaseImage.Platform p = base.platforms().get(i);
      PlatformImage image = images.get(i);
      ImageFacts facts = new ImageFacts(base.reference(), p.arch(), image.platform(), image.manifestDigest(),
          image.configDigest(), image.config().created(), version, p.packageFacts())
          .withApplication(base.application());
      documents.add(new Document(p.arch(), "spdx-2.3", "application/spdx+json", p.arch() + ".spdx.json",
          Sbom.spdxJson(facts)));
      documents.add(new Document(p.arch(), "cyclonedx-1.6", "application/vnd.cyclonedx+json",
          p.arch() + ".cdx.json", Sbom.cycloneDxJson(facts)));
    }
    return documents;
  }

  static ImageFacts facts(String reference, ArchBuild a, PlatformImage image, String toolVersion) {
    return new ImageFacts(reference, a.arch, image.platform(), image.manifestDigest(), image.configDigest(),
        a.config.created(), toolVersion, packages(a));
  }

  /** What the SBOMs say of each package {@code a} installed, in install order. */
  static List<ImageFacts.InstalledPackage> packages(ArchBuild a) {
    List<PackageInfo> infos = a.sources.stream().map(PackageSource::info).toList();
    List<ImageFacts.InstalledPackage> packages = new ArrayList<>();
    for (int i = 0; i < a.sources.size(); i++) {
      PackageSource s = a.sources.get(i);
      PackageInfo info = infos.get(i);
      Repository repository = a.packageRepositories == null ? null : a.packageRepositories.get(i);
      String checksum = s.verified() != null && s.verified().controlChecksum() != null
          ? s.verified().controlChecksum() : info.checksum();
      packages.add(new ImageFacts.InstalledPackage(info, checksum, s.dataSha256(),
          repository == null ? null : location(repository.base()),
          repository == null ? null : location(repository.packageUri(a.arch, info.fileName())),
          dependsOn(info, infos)));
    }
    return packages;
  }

  /** One spelling per location: an index names a local mirror {@code file:///...}, a lockfile {@code file:/...}. */
  private static String location(URI uri) {
    if ("file".equals(uri.getScheme())) {
      try {
        return Path.of(uri).toUri().toString();
      } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
        return uri.toString();
      }
    }
    return uri.toString();
  }

  /** The installed packages that satisfy {@code p}'s dependencies: one of that name first, else a provider. */
  private static List<String> dependsOn(PackageInfo p, List<PackageInfo> installed) {
    Set<String> names = new LinkedHashSet<>();
    for (Dependency d : p.depends()) {
      if (d.conflict()) {
        continue;
      }
      PackageInfo by = installed.stream().filter(i -> i.name().equals(d.name()) && i.satisfies(d)).findFirst()
          .orElseGet(() -> installed.stream().filter(i -> i.satisfies(d)).findFirst().orElse(null));
      if (by != null && !by.name().equals(p.name())) {
        names.add(by.name());
      }
    }
    return List.copyOf(names);
  }
}
