package dev.apkimg.image;

import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes one platform's image as an OCI image archive (an OCI image layout in a tar, as {@code
 * skopeo copy oci-archive:...} reads it): {@link RootfsImage}, {@link PlatformImage} and {@link
 * ImagePublisher} in one call, for callers that need nothing else.
 */
public final class OciImageWriter {


  private OciImageWriter() {}

  /**
   * Writes an OCI image archive at {@code output} atomically: a temporary file in the same
   * directory is moved into place, and nothing is left behind on failure. Parent directories are
   * created. Never contacts a registry.
   *
   * @param layer the only layer of the image, copied byte for byte
   * @param config the image configuration
   * @param reference the image name recorded in {@code index.json}, e.g. {@code alpine-base:latest}
   * @param output the archive to write
   * @return the digests read back from what was written
   * @throws IOException if the layer cannot be read, jib fails, or the output cannot be written
   * @throws IllegalArgumentException if {@code reference} is not a valid image reference
   */
  public static ImageResult writeOciArchive(
      LayerBlob layer, ImageConfig config, String reference, Path output) throws IOException {
    Objects.requireNonNull(layer, "layer");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(output, "output");
    parseReference(reference);

    Path work = dev.apkimg.TemporaryFiles.register(Files.createTempDirectory("apkimg-image-"));
    try {
      RootfsImage image = RootfsImage.create(layer, config, work);
      PlatformImage built = PlatformImage.build(image, image.containerBuilder(), Map.of());
      ImagePublisher.writeArchive(List.of(built), reference, output.toAbsolutePath(),
          ImageOutputs.Format.OCI);
      return new ImageResult(built.manifestDigest(), built.configDigest(), layer.digest(), layer.size());
    } finally {
      dev.apkimg.TemporaryFiles.delete(work);
    }
  }

  private static ImageReference parseReference(String reference) {
    Objects.requireNonNull(reference, "reference");
    try {
      return ImageReference.parse(reference);
    } catch (InvalidImageReferenceException e) {
      throw new IllegalArgumentException("invalid image reference: " + reference, e);
    }
  }
}
