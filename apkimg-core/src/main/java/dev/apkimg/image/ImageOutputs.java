package dev.apkimg.image;

import dev.apkimg.OutputFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where a built image goes: an archive file, registries, the Docker daemon, any together. Built
 * with {@link #builder(String)}.
 */
public final class ImageOutputs {
  /** The archive format. */
  public enum Format {
    /** An OCI image layout in a tar ({@code oci-archive:}), with an image index for several platforms. */
    OCI,
    /** A {@code docker save} tar ({@code docker load}, {@code docker-archive:}); one platform. */
    DOCKER
  }

  private final String tag;
  private final Path archive;
  private final Format format;
  private final List<String> push;
  private final boolean daemon;
  private final boolean allowInsecureRegistries;
  private final RegistryCredentials credentials;
  private final Map<String, String> indexAnnotations;
  private final OutputFiles files;

  private ImageOutputs(Builder b) {
    this.tag = b.tag;
    this.archive = b.archive;
    this.format = b.format;
    this.push = List.copyOf(b.push);
    this.daemon = b.daemon;
    this.allowInsecureRegistries = b.allowInsecureRegistries;
    this.credentials = b.credentials;
    this.indexAnnotations = Collections.unmodifiableMap(new LinkedHashMap<>(b.indexAnnotations));
    this.files = b.files;
  }

  /** @param tag the image name recorded in archives and in the daemon, exactly as given */
  public static Builder builder(String tag) {
    return new Builder(tag);
  }

  public String tag() {
    return tag;
  }

  /** The archive to write, or {@code null}. */
  public Path archive() {
    return archive;
  }

  public Format format() {
    return format;
  }

  /** Image references to push to, each {@code REGISTRY/REPOSITORY[:TAG]}. */
  public List<String> push() {
    return push;
  }

  public boolean daemon() {
    return daemon;
  }

  public boolean allowInsecureRegistries() {
    return allowInsecureRegistries;
  }

  public RegistryCredentials credentials() {
    return credentials;
  }

  /** Annotations of the image index (several platforms). */
  public Map<String, String> indexAnnotations() {
    return indexAnnotations;
  }

  /**
   * Where the archive is staged when the caller commits it together with other files (metadata,
   * digest), or {@code null}: the archive is moved into place when everything is published.
   */
  public OutputFiles files() {
    return files;
  }

  /** Whether anything is published at all. */
  public boolean isEmpty() {
    return archive == null && push.isEmpty() && !daemon;
  }

  public static final class Builder {
    private final String tag;
    private Path archive;
    private Format format = Format.OCI;
    private final List<String> push = new ArrayList<>();
    private boolean daemon;
    private boolean allowInsecureRegistries;
    private RegistryCredentials credentials = RegistryCredentials.fromEnvironment();
    private final Map<String, String> indexAnnotations = new LinkedHashMap<>();
    private OutputFiles files;

    private Builder(String tag) {
      this.tag = Objects.requireNonNull(tag, "tag");
    }

    public Builder archive(Path archive, Format format) {
      this.archive = archive;
      this.format = Objects.requireNonNull(format, "format");
      return this;
    }

    public Builder push(List<String> references) {
      this.push.addAll(references);
      return this;
    }

    public Builder daemon(boolean daemon) {
      this.daemon = daemon;
      return this;
    }

    /** Plain HTTP and unverified TLS, credentials included, as docker's insecure-registries. */
    public Builder allowInsecureRegistries(boolean allow) {
      this.allowInsecureRegistries = allow;
      return this;
    }

    public Builder credentials(RegistryCredentials credentials) {
      this.credentials = Objects.requireNonNull(credentials, "credentials");
      return this;
    }

    public Builder indexAnnotations(Map<String, String> annotations) {
      this.indexAnnotations.putAll(annotations);
      return this;
    }

    /**
     * Stage the archive in {@code files} and leave it there: the caller commits it with the
     * other outputs of the command (all or nothing), or closes {@code files} to drop it.
     */
    public Builder files(OutputFiles files) {
      this.files = files;
      return this;
    }

    public ImageOutputs build() {
      return new ImageOutputs(this);
    }
  }
}
