package dev.apkimg.image;

import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes one platform's image as an OCI image archive (an OCI image layout in a tar, as {@code
 * skopeo copy oci-archive:...} reads it): {@link RootfsImage}, {@link PlatformImage} and {@link
 * ImagePublisher} in one call, for callers that need nothing else.
 */
public final class OciImageWriter {

  private static final System.Logger LOG = System.getLogger(OciImageWriter.class.getName());

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
      deleteRecursively(work);
      dev.apkimg.TemporaryFiles.forget(work);
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

  private static void deleteOrWarn(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "could not delete temporary file " + path, e);
    }
  }

  private static void deleteRecursively(Path directory) {
    try {
      Files.walkFileTree(
          directory,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
              deleteOrWarn(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) {
              deleteOrWarn(dir);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "could not delete temporary directory " + directory, e);
    }
  }
}
