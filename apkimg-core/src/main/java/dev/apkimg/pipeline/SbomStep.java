package dev.apkimg.pipeline;

import dev.apkimg.apk.Dependency;
import dev.apkimg.apk.PackageInfo;
import dev.apkimg.image.PlatformImage;
import dev.apkimg.repo.Credentials;
import dev.apkimg.repo.Repository;
import dev.apkimg.rootfs.Layering;
import dev.apkimg.rootfs.PackageSource;
import dev.apkimg.image.ImagePublisher;
import dev.apkimg.sbom.ImageFacts;
import dev.apkimg.sbom.IndexFacts;
import dev.apkimg.sbom.Provenance;
import dev.apkimg.sbom.ProvenanceFacts;
import dev.apkimg.sbom.Sbom;
import java.net.URI;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Step 5b: each architecture's SBOMs (SPDX and CycloneDX) and provenance (SLSA), from what the earlier steps resolved,
 * fetched and verified, and the image's digests; written by the publish step with the other files.
 */
final class SbomStep {
  private SbomStep() {}

  /** One SBOM file: its name in the SBOM folder and its bytes. */
  record Document(String arch, String format, String mediaType, String fileName, byte[] bytes) {
    String sha256() {
      return SbomStep.sha256(bytes);
    }

    /** The provenance, not an SBOM: listed apart in the metadata. */
    boolean provenance() {
      return PROVENANCE_FORMAT.equals(format);
    }
  }

  /** The format name of the provenance documents (in the metadata's {@code provenance[]}). */
  static final String PROVENANCE_FORMAT = "slsa-provenance-1";

  /**
   * Per architecture, in build order: {@code ARCH.spdx.json}, {@code ARCH.cdx.json}, then the
   * provenance {@code ARCH.provenance.json} (in-toto Statement v1, SLSA Provenance v1).
   */
  static List<Document> documents(BuildContext c, List<PlatformImage> images, Map<String, String> indexAnnotations) {
    String reference = c.reference();
    List<Document> documents = new ArrayList<>();
    List<IndexFacts.Platform> platforms = new ArrayList<>();
    List<ProvenanceFacts> provenances = new ArrayList<>();
    String version = Sbom.toolVersion();
    for (int i = 0; i < c.builds.size(); i++) {
      ArchBuild a = c.builds.get(i);
      ImageFacts facts = facts(c.reference(), a, images.get(i), version);
      byte[] spdx = Sbom.spdxJson(facts);
      byte[] cdx = Sbom.cycloneDxJson(facts);
      platforms.add(new IndexFacts.Platform(facts, spdx, cdx));
      documents.add(new Document(a.arch, "spdx-2.3", "application/spdx+json", a.arch + ".spdx.json", spdx));
      documents.add(new Document(a.arch, "cyclonedx-1.6", "application/vnd.cyclonedx+json", a.arch + ".cdx.json",
          cdx));
      ProvenanceFacts provenance = ProvenanceFacts.of(provenanceBase(c, a), c.reference(),
          images.get(i).manifestDigest(), a.config.created(), version, Provenance.jibVersion(), null);
      provenances.add(provenance);
      documents.add(new Document(a.arch, PROVENANCE_FORMAT, Provenance.MEDIA_TYPE, a.arch + ".provenance.json",
          Provenance.json(provenance)));
    }
    return withIndex(documents, platforms, provenances, reference, images, indexAnnotations, version);
  }

  /** What {@code a}'s provenance owes to the build: its inputs and what it read, fetched and verified. */
  static ProvenanceFacts.Base provenanceBase(BuildContext c, ArchBuild a) {
    Layering layering = c.layering();
    ProvenanceFacts.Parameters parameters = new ProvenanceFacts.Parameters(
        c.request.profileFile() == null ? null : c.request.profileFile().getFileName().toString(),
        c.profileSha256, c.profile.checksum(),
        c.profileIncludes.stream().map(i -> new ProvenanceFacts.IncludedProfile(i.path(), i.sha256())).toList(),
        c.lockfile == null ? null : c.lockfile.getFileName().toString(), a.lockfileSha256,
        a.arch, layering.strategy().name().toLowerCase(java.util.Locale.ROOT),
        layering.packages() ? layering.budget() : null,
        c.request.repositories().stream().map(Credentials::redact).toList(),
        c.request.sourceDateEpoch().isPresent() ? c.request.sourceDateEpoch().getAsLong() : null,
        c.request.allowUntrusted());
    List<ProvenanceFacts.Package> packages = new ArrayList<>();
    for (int i = 0; i < a.sources.size(); i++) {
      PackageSource s = a.sources.get(i);
      PackageInfo info = s.info();
      Repository repository = a.packageRepositories.get(i);
      String checksum = s.verified() != null && s.verified().controlChecksum() != null
          ? s.verified().controlChecksum() : info.checksum();
      packages.add(new ProvenanceFacts.Package(info.name(), info.version(),
          present(info.arch()) ? info.arch() : a.arch,
          location(Credentials.strip(repository.packageUri(a.arch, info.fileName()))),
          a.fetched.get(i).fileSha256(), checksum, s.dataSha256()));
    }
    List<ProvenanceFacts.Key> keys = new ArrayList<>();
    new TreeMap<>(a.keys).forEach((name, pem) -> keys.add(new ProvenanceFacts.Key(name, sha256(pem))));
    return new ProvenanceFacts.Base(parameters, packages, a.indexes, keys);
  }

  private static boolean present(String s) {
    return s != null && !s.isBlank();
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Per platform of {@code base}, as {@link #documents(BuildContext, List, Map)}, from the package facts the
   * base carries (every platform must) and the application on it; the provenance where the platform carries
   * its base's provenance facts (a base from {@code buildBase} does), naming the published image as its subject.
   */
  static List<Document> documents(dev.apkimg.api.BaseImage base, List<PlatformImage> images) {
    String reference = base.reference();
    Map<String, String> indexAnnotations = base.annotations();
    List<Document> documents = new ArrayList<>();
    List<IndexFacts.Platform> platforms = new ArrayList<>();
    List<ProvenanceFacts> provenances = new ArrayList<>();
    String version = Sbom.toolVersion();
    for (int i = 0; i < base.platforms().size(); i++) {
      dev.apkimg.api.BaseImage.Platform p = base.platforms().get(i);
      PlatformImage image = images.get(i);
      ImageFacts facts = new ImageFacts(base.reference(), p.arch(), image.platform(), image.manifestDigest(),
          image.configDigest(), image.config().created(), version, p.packageFacts())
          .withOs(p.os()).withApplication(base.application());
      byte[] spdx = Sbom.spdxJson(facts);
      byte[] cdx = Sbom.cycloneDxJson(facts);
      platforms.add(new IndexFacts.Platform(facts, spdx, cdx));
      documents.add(new Document(p.arch(), "spdx-2.3", "application/spdx+json", p.arch() + ".spdx.json", spdx));
      documents.add(new Document(p.arch(), "cyclonedx-1.6", "application/vnd.cyclonedx+json",
          p.arch() + ".cdx.json", cdx));
      if (p.provenance() != null) {
        ProvenanceFacts provenance = ProvenanceFacts.of(p.provenance(), base.reference(), image.manifestDigest(),
            image.config().created(), version, Provenance.jibVersion(), base.application());
        provenances.add(provenance);
        documents.add(new Document(p.arch(), PROVENANCE_FORMAT, Provenance.MEDIA_TYPE, p.arch() + ".provenance.json",
            Provenance.json(provenance)));
      }
    }
    // The index's provenance only when every platform has one to draw from.
    return withIndex(documents, platforms, provenances.size() == platforms.size() ? provenances : List.of(),
        reference, images, indexAnnotations, version);
  }

  /** The file name of the index's SBOMs in the SBOM folder: {@code index.spdx.json}, {@code index.cdx.json}. */
  static final String INDEX = "index";

  /**
   * {@code documents}, then, for an image of several platforms, the SBOMs of its image index
   * ({@code index.spdx.json}, {@code index.cdx.json}, arch null): the index containing each
   * platform's image, each referring to its platform's documents by checksum; and, given the
   * platforms' provenance facts, the index's provenance ({@code index.provenance.json}).
   */
  private static List<Document> withIndex(List<Document> documents, List<IndexFacts.Platform> platforms,
      List<ProvenanceFacts> provenances, String reference, List<PlatformImage> images,
      Map<String, String> indexAnnotations, String version) {
    if (images.size() < 2) {
      return documents;
    }
    String digest = "sha256:" + sha256(ImagePublisher.index(images, indexAnnotations));
    java.time.Instant created = images.stream().map(i -> i.config().created()).max(java.time.Instant::compareTo)
        .orElseThrow();
    IndexFacts facts = new IndexFacts(reference, digest, created, version, platforms);
    documents.add(new Document(null, "spdx-2.3", "application/spdx+json", INDEX + ".spdx.json",
        Sbom.indexSpdxJson(facts)));
    documents.add(new Document(null, "cyclonedx-1.6", "application/vnd.cyclonedx+json", INDEX + ".cdx.json",
        Sbom.indexCycloneDxJson(facts)));
    if (!provenances.isEmpty()) {
      documents.add(new Document(null, PROVENANCE_FORMAT, Provenance.MEDIA_TYPE, INDEX + ".provenance.json",
          Provenance.indexJson(provenances, digest, created)));
    }
    return documents;
  }

  static ImageFacts facts(String reference, ArchBuild a, PlatformImage image, String toolVersion) {
    return new ImageFacts(reference, a.arch, image.platform(), image.manifestDigest(), image.configDigest(),
        a.config.created(), toolVersion, packages(a)).withOs(os(a));
  }

  /** The distribution as {@code a}'s image's os-release names it, or null. */
  static ImageFacts.OperatingSystem os(ArchBuild a) {
    return a.osRelease == null ? null : new ImageFacts.OperatingSystem(a.osRelease.id(), a.osRelease.versionId(),
        a.osRelease.prettyName() != null ? a.osRelease.prettyName() : a.osRelease.name());
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
          dependsOn(info, infos), info.installIf().stream().map(Dependency::toString).toList()));
    }
    return packages;
  }

  /** One spelling per location: an index names a local mirror {@code file:///...}, a lockfile {@code file:/...}. */
  static String location(URI uri) {
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
