package dev.apkimg.sbom;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What the provenance of one architecture's image says, gathered by the build from its inputs and
 * from what it read, fetched and verified (never by scanning the root filesystem). Every URL is
 * without credentials; no path of the building machine appears, only file names.
 *
 * @param reference the image name as given, e.g. {@code apkimg/alpine-base:latest}
 * @param manifestDigest the image manifest's digest ({@code sha256:...}): the statement's subject
 * @param created the image's creation time
 * @param toolVersion apkimg's version
 * @param jibVersion the jib-core version that assembled the image
 * @param parameters the inputs the user gave that change the output
 * @param packages every installed package, in install order
 * @param indexes every repository index read, in repository order (none for a lockfile build)
 * @param keys every trusted key that verified something, by name
 * @param application for an image a front end put an application on (the Maven plugin): the
 *     application (its project, packaging, folder) and the jars that went into the image, with the
 *     SHA-256 of each file as it is in the image; else null
 */
public record ProvenanceFacts(
    String reference,
    String manifestDigest,
    Instant created,
    String toolVersion,
    String jibVersion,
    Parameters parameters,
    List<Package> packages,
    List<Index> indexes,
    List<Key> keys,
    ImageFacts.Application application) {

  public ProvenanceFacts {
    Objects.requireNonNull(reference, "reference");
    Objects.requireNonNull(manifestDigest, "manifestDigest");
    Objects.requireNonNull(created, "created");
    Objects.requireNonNull(toolVersion, "toolVersion");
    Objects.requireNonNull(parameters, "parameters");
    packages = List.copyOf(packages);
    indexes = List.copyOf(indexes);
    keys = List.copyOf(keys);
  }

  /** The provenance of an image of apk packages only. */
  public ProvenanceFacts(String reference, String manifestDigest, Instant created, String toolVersion,
      String jibVersion, Parameters parameters, List<Package> packages, List<Index> indexes, List<Key> keys) {
    this(reference, manifestDigest, created, toolVersion, jibVersion, parameters, packages, indexes, keys, null);
  }

  /**
   * The provenance of the image made of {@code base} (with nothing on it, or with {@code application}):
   * the base build's inputs and materials, the image as the subject.
   *
   * @param reference the image name as published
   * @param manifestDigest the published image manifest's digest
   * @param created the published image's creation time
   * @param toolVersion apkimg's version
   * @param jibVersion the jib-core version that assembled the image
   * @param application what a front end put on the base, or null
   */
  public static ProvenanceFacts of(Base base, String reference, String manifestDigest, Instant created,
      String toolVersion, String jibVersion, ImageFacts.Application application) {
    return new ProvenanceFacts(reference, manifestDigest, created, toolVersion, jibVersion, base.parameters(),
        base.packages(), base.indexes(), base.keys(), application);
  }

  /**
   * What the provenance owes to the build of a base ({@code Apkimg.buildBase}), before an image is
   * made of it: the inputs that change the output and every material read, fetched and verified.
   * A front end's image on that base names itself (reference, digest, creation time) when published.
   *
   * @param parameters the inputs the user gave that change the output
   * @param packages every installed package, in install order
   * @param indexes every repository index read, in repository order (none for a lockfile build)
   * @param keys every trusted key that verified something, by name
   */
  public record Base(Parameters parameters, List<Package> packages, List<Index> indexes, List<Key> keys) {
    public Base {
      Objects.requireNonNull(parameters, "parameters");
      packages = List.copyOf(packages);
      indexes = List.copyOf(indexes);
      keys = List.copyOf(keys);
    }
  }

  /**
   * The build's external parameters.
   *
   * @param profileFile the profile's file name (no folder), or null for a profile given in memory
   * @param profileSha256 SHA-256 (hex) of the profile file's bytes, or null for a profile in memory
   * @param profileChecksum the checksum of what the profile means, includes merged in (as lockfiles record it)
   * @param profileIncludes every file the profile's includes read, sorted by path; empty without includes
   * @param lockfile the lockfile's name (no folder), or null when the build resolved from the indexes
   * @param lockfileSha256 SHA-256 (hex) of the lockfile's bytes, or null
   * @param arch the apk architecture
   * @param layering the layering strategy ({@code single} or {@code packages})
   * @param layeringBudget the package layer budget (with {@code packages} only; else null)
   * @param repositories the repositories given to the build in place of the profile's (no credentials); empty: the profile's
   * @param sourceDateEpoch the {@code SOURCE_DATE_EPOCH} given, or null
   * @param allowUntrusted whether unsigned or untrusted indexes were accepted
   */
  public record Parameters(
      String profileFile,
      String profileSha256,
      String profileChecksum,
      List<IncludedProfile> profileIncludes,
      String lockfile,
      String lockfileSha256,
      String arch,
      String layering,
      Integer layeringBudget,
      List<String> repositories,
      Long sourceDateEpoch,
      boolean allowUntrusted) {
    public Parameters {
      Objects.requireNonNull(arch, "arch");
      Objects.requireNonNull(layering, "layering");
      repositories = List.copyOf(repositories);
      profileIncludes = List.copyOf(profileIncludes);
    }
  }

  /**
   * One profile file an include read.
   *
   * @param file its path relative to the main profile's folder, {@code /} separated ({@code ../} where it lies
   *     elsewhere); never absolute, so the same files give the same provenance on any machine
   * @param sha256 SHA-256 (hex) of its bytes as read
   */
  public record IncludedProfile(String file, String sha256) {
    public IncludedProfile {
      Objects.requireNonNull(file, "file");
      Objects.requireNonNull(sha256, "sha256");
    }
  }

  /**
   * One installed package, as fetched.
   *
   * @param name package name
   * @param version package version
   * @param arch the package's architecture
   * @param uri the URL of its .apk (no credentials)
   * @param fileSha256 SHA-256 (hex) of the .apk file as fetched and verified
   * @param controlChecksum apk's {@code Q1} identity (SHA-1 of the control stream)
   * @param dataSha256 SHA-256 (hex) of its data stream (the signed {@code datahash})
   */
  public record Package(String name, String version, String arch, String uri, String fileSha256,
      String controlChecksum, String dataSha256) {
    public Package {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(uri, "uri");
    }
  }

  /**
   * One repository index, as read.
   *
   * @param uri the URL of its {@code APKINDEX.tar.gz} (no credentials)
   * @param sha256 SHA-256 (hex) of the bytes read
   */
  public record Index(String uri, String sha256) {
    public Index {
      Objects.requireNonNull(uri, "uri");
      Objects.requireNonNull(sha256, "sha256");
    }
  }

  /**
   * One trusted signing key.
   *
   * @param name its file name in the keyring (what the image's {@code etc/apk/keys} holds)
   * @param sha256 SHA-256 (hex) of the key file's bytes (PEM), as in {@code etc/apk/keys/NAME}
   */
  public record Key(String name, String sha256) {
    public Key {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(sha256, "sha256");
    }
  }
}
