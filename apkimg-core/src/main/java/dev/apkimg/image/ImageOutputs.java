package dev.apkimg.image;

import java.nio.file.Path;
import java.util.List;

/**
 * Where a built image goes, as {@link ImagePublisher} reads it: an archive file, registries, the
 * Docker daemon, any together. The library API's {@code Outputs} is the value that implements it.
 */
public interface ImageOutputs {
  /** The archive format. */
  enum Format {
    /** An OCI image layout in a tar ({@code oci-archive:}), with an image index for several platforms. */
    OCI,
    /** A {@code docker save} tar ({@code docker load}, {@code docker-archive:}); one platform. */
    DOCKER
  }

  /** The archive to write, or {@code null}. */
  Path archive();

  Format format();

  /** Image references to push to, each {@code REGISTRY/REPOSITORY[:TAG]}. */
  List<String> push();

  /** Whether to load the image into the Docker daemon. */
  boolean daemon();

  /** Plain HTTP and unverified TLS, credentials included, as docker's insecure-registries. */
  boolean allowInsecureRegistries();

  /** Where registry credentials come from. */
  RegistryCredentials credentials();

  /** Whether anything is published at all. */
  default boolean isEmpty() {
    return archive() == null && push().isEmpty() && !daemon();
  }
}
