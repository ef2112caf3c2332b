package dev.apkimg.api;

import dev.apkimg.image.ImageOutputs;
import dev.apkimg.image.RegistryCredentials;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Everything a build writes or sends: an archive (OCI or Docker), registry pushes, a load into the
 * Docker daemon, the metadata, digest and SBOM files, and how registries are reached (credentials, the
 * insecure-registry permission). Files are written all or nothing, after every push and load
 * succeeded. Built with {@link #builder()}.
 */
public final class Outputs implements ImageOutputs {
  private final Path archive;
  private final Format format;
  private final String archiveName;
  private final List<String> push;
  private final boolean daemon;
  private final Path metadataFile;
  private final Path digestFile;
  private final RegistryCredentials credentials;
  private final boolean allowInsecureRegistries;
  private final Path sbomDir;
  private final boolean sbom;
  private final boolean sbomOnPush;

  private Outputs(Builder b) {
    this.archive = b.archive;
    this.format = b.format;
    this.archiveName = b.archiveName;
    this.push = List.copyOf(b.push);
    this.daemon = b.daemon;
    this.metadataFile = b.metadataFile;
    this.digestFile = b.digestFile;
    this.credentials = b.credentials != null ? b.credentials : RegistryCredentials.fromEnvironment();
    this.allowInsecureRegistries = b.allowInsecureRegistries;
    this.sbomDir = b.sbomDir;
    this.sbom = b.sbom;
    this.sbomOnPush = b.sbom || b.sbomOnPush;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** No outputs: for requests that only resolve, lock or build a base. */
  public static Outputs none() {
    return new Builder().build();
  }

  @Override
  public Path archive() {
    return archive;
  }

  @Override
  public Format format() {
    return format;
  }

  /** How progress and the metadata name the archive: its absolute path unless given. */
  public String archiveName() {
    return archiveName != null ? archiveName : archive == null ? null : archive.toAbsolutePath().toString();
  }

  @Override
  public List<String> push() {
    return push;
  }

  @Override
  public boolean daemon() {
    return daemon;
  }

  /** The JSON metadata file to write (digest, platforms, sizes, packages), or null. */
  public Path metadataFile() {
    return metadataFile;
  }

  /** The file to write the image digest to, or null. */
  public Path digestFile() {
    return digestFile;
  }

  /**
   * The folder to write each architecture's SBOMs and provenance to ({@code ARCH.spdx.json}, SPDX
   * 2.3; {@code ARCH.cdx.json}, CycloneDX 1.6; {@code ARCH.provenance.json}, SLSA v1; and {@code
   * index.spdx.json}, {@code index.cdx.json} for several architectures), or null for none.
   */
  public Path sbomDir() {
    return sbomDir;
  }

  /**
   * Whether each architecture's SBOMs and provenance are attached to its image as OCI 1.1 referrers
   * (artifact manifests whose subject is the image manifest) in the OCI archive, listed in {@code
   * index.json}, and in the registries pushed to.
   */
  public boolean sbom() {
    return sbom;
  }

  /**
   * Whether each architecture's SBOMs are attached to its image in the registries pushed to (the
   * referrers tag {@code sha256-HEX}): with {@link #sbom()}, or alone ({@link Builder#sbomOnPush}).
   */
  public boolean sbomOnPush() {
    return sbomOnPush;
  }

  @Override
  public RegistryCredentials credentials() {
    return credentials;
  }

  @Override
  public boolean allowInsecureRegistries() {
    return allowInsecureRegistries;
  }

  public static final class Builder {
    private Path archive;
    private Format format = Format.OCI;
    private String archiveName;
    private final List<String> push = new ArrayList<>();
    private boolean daemon;
    private Path metadataFile;
    private Path digestFile;
    private RegistryCredentials credentials;
    private boolean allowInsecureRegistries;
    private Path sbomDir;
    private boolean sbom;
    private boolean sbomOnPush;

    private Builder() {}

    /** An OCI image layout in a tar; several architectures become one image index. */
    public Builder ociArchive(Path file) {
      return archive(file, Format.OCI);
    }

    /** A {@code docker save} tar ({@code docker load}); one architecture. */
    public Builder dockerArchive(Path file) {
      return archive(file, Format.DOCKER);
    }

    public Builder archive(Path file, Format format) {
      this.archive = Objects.requireNonNull(file, "file");
      this.format = Objects.requireNonNull(format, "format");
      return this;
    }

    /** How progress and the metadata name the archive (e.g. {@code -} for standard output). */
    public Builder archiveName(String name) {
      this.archiveName = name;
      return this;
    }

    /** Image references to push to (repeatable). */
    public Builder push(List<String> references) {
      this.push.addAll(references);
      return this;
    }

    public Builder push(String reference) {
      this.push.add(Objects.requireNonNull(reference, "reference"));
      return this;
    }

    public Builder daemon(boolean daemon) {
      this.daemon = daemon;
      return this;
    }

    public Builder metadataFile(Path file) {
      this.metadataFile = file;
      return this;
    }

    public Builder digestFile(Path file) {
      this.digestFile = file;
      return this;
    }

    /** Default: docker's and podman's files and credential helpers. */
    public Builder credentials(RegistryCredentials credentials) {
      this.credentials = credentials;
      return this;
    }

    public Builder allowInsecureRegistries(boolean allow) {
      this.allowInsecureRegistries = allow;
      return this;
    }

    /** Writes the SBOMs and provenance into {@code dir} (null: none); see {@link Outputs#sbomDir()}. */
    public Builder sbomDir(Path dir) {
      this.sbomDir = dir;
      return this;
    }

    /**
     * Attaches each architecture's SPDX and CycloneDX SBOMs to its image as OCI 1.1 referrers, in the
     * OCI archive and in every registry pushed to (default: no). Refused with a Docker archive, which
     * cannot hold them, and with the daemon, which does not carry them.
     */
    public Builder sbom(boolean attach) {
      this.sbom = attach;
      return this;
    }

    /**
     * Attaches the SBOMs to the images pushed, and nowhere else (default: no): an archive or the
     * daemon beside the push is written as without SBOMs. The CLI's default when it pushes.
     */
    public Builder sbomOnPush(boolean attach) {
      this.sbomOnPush = attach;
      return this;
    }

    public Outputs build() {
      return new Outputs(this);
    }
  }
}
