package dev.apkimg.api;

import dev.apkimg.image.PushReport;
import dev.apkimg.rootfs.ScriptReport;
import java.nio.file.Path;
import java.util.List;

/**
 * What a build produced: the image digest (of the index, with several architectures), where it
 * went, and per architecture the manifest, layer, sizes and installed packages.
 *
 * @param digest the image digest, the same in the archive and in every registry
 * @param mediaType what {@code digest} names: an OCI image manifest or image index
 * @param imageReference the name recorded in the archive, as given
 * @param output the archive written, or {@code null}
 * @param pushed the references pushed to
 * @param loaded whether the image was loaded into the Docker daemon
 * @param images one per architecture, in the order built
 * @param pushes per reference pushed to, the blobs uploaded, reused and mounted
 */
public record BuildResult(
    String digest,
    String mediaType,
    String imageReference,
    Path output,
    List<String> pushed,
    boolean loaded,
    List<ArchImage> images,
    List<PushReport> pushes) {

  public BuildResult {
    pushed = List.copyOf(pushed);
    images = List.copyOf(images);
    pushes = List.copyOf(pushes);
  }

  /** Without push reports, as before they were counted. */
  public BuildResult(String digest, String mediaType, String imageReference, Path output, List<String> pushed,
      boolean loaded, List<ArchImage> images) {
    this(digest, mediaType, imageReference, output, pushed, loaded, images, List.of());
  }

  /**
   * One architecture's image.
   *
   * @param arch the apk architecture, e.g. {@code armv7}
   * @param platform the OCI platform, e.g. {@code linux/arm/v7}
   * @param manifestDigest the digest of this architecture's manifest
   * @param configDigest the digest of its configuration (docker's image id)
   * @param layerDigest the digest of the gzipped rootfs layer
   * @param layerDiffId the digest of the uncompressed rootfs layer
   * @param compressedSize manifest, configuration and layers as stored in a registry, in bytes
   * @param uncompressedSize the uncompressed layer tar, in bytes
   * @param packages what was installed, in install order
   * @param scripts what became of each install script: lines carried out on the image, lines not
   */
  public record ArchImage(
      String arch,
      String platform,
      String manifestDigest,
      String configDigest,
      String layerDigest,
      String layerDiffId,
      long compressedSize,
      long uncompressedSize,
      List<InstalledPackage> packages,
      List<ScriptReport> scripts) {
    public ArchImage {
      packages = List.copyOf(packages);
      scripts = List.copyOf(scripts);
    }

    /** The scripts with at least one line not carried out ({@code NAME-VERSION.post-install}). */
    public List<String> skippedScripts() {
      return scripts.stream().filter(s -> !s.notCarriedOut().isEmpty()).map(ScriptReport::script).toList();
    }
  }

  /** One installed package. */
  public record InstalledPackage(String name, String version, String arch) {}
}
