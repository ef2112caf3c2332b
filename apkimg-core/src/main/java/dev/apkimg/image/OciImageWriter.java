package dev.apkimg.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * Turns our gzipped rootfs layer and an {@link ImageConfig} into an OCI image archive (an OCI
 * image layout in a tar, as {@code skopeo copy oci-archive:...} reads it), using jib-core.
 *
 * <p>jib cannot take a root filesystem as an application layer, so the layer goes in as a
 * <em>base image</em>: a {@code docker save}-style tar holding our config and the layer. jib
 * copies an already-gzipped base layer byte for byte and, with {@link ImageFormat#OCI}, writes
 * an OCI image layout as a tar: {@code blobs/sha256/<layer>}, {@code <config>}, {@code
 * <manifest>}, then {@code oci-layout} and {@code index.json} (one manifest, annotated with
 * {@code org.opencontainers.image.ref.name}), no directory entries, every header with uid/gid 0,
 * empty owner names, mode 0644 and time 0. That is deterministic and what {@code skopeo} reads,
 * so it is used as written, after checking that its manifest names our layer.
 *
 * <p>jib-core 0.28.1 has no {@code variant} in its configuration model: a variant in the base
 * config is read and dropped, and jib's {@code index.json} carries no platform. So {@link
 * ImageConfig#variant()} is not in the written image.
 */
public final class OciImageWriter {

  private static final System.Logger LOG = System.getLogger(OciImageWriter.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  private static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
  private static final String BLOBS = "blobs/sha256/";
  // Guards against reading a huge entry into memory where only JSON is expected.
  private static final long MAX_JSON_SIZE = 4L << 20;

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
    ImageReference imageReference = parseReference(reference);

    Path target = output.toAbsolutePath();
    Path directory = target.getParent();
    Files.createDirectories(directory);
    Path work = Files.createTempDirectory("apkimg-image-");
    Path temporary = null;
    boolean written = false;
    try {
      RootfsImage image = RootfsImage.create(layer, config, work);
      // Not createTempFile: its 0600 would stay on the image; createFile applies the umask like any tool's output.
      temporary = Files.createFile(directory.resolve(
          "." + target.getFileName() + "." + UUID.randomUUID() + ".tmp"));
      image.containerize(image.containerBuilder(),
          Containerizer.to(TarImage.at(temporary).named(imageReference)).setOfflineMode(true));
      if (Files.size(temporary) == 0) {
        throw new IOException("jib reported success but wrote no image tar at " + temporary);
      }
      ImageResult result = verify(temporary, layer);
      force(temporary);
      moveIntoPlace(temporary, target);
      written = true;
      return result;
    } finally {
      if (!written && temporary != null) {
        deleteOrWarn(temporary);
      }
      deleteRecursively(work);
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

  /** Reads back what jib wrote and checks that it is our single-layer OCI image. */
  private static ImageResult verify(Path ociTar, LayerBlob layer) throws IOException {
    try (TarFile tarFile = new TarFile(ociTar)) {
      Map<String, TarArchiveEntry> entries = new LinkedHashMap<>();
      for (TarArchiveEntry entry : tarFile.getEntries()) {
        entries.put(entry.getName(), entry);
      }
      readJson(tarFile, entries, "oci-layout");
      JsonNode manifests = JSON.readTree(readJson(tarFile, entries, "index.json")).path("manifests");
      if (manifests.size() != 1
          || !OCI_MANIFEST.equals(manifests.get(0).path("mediaType").asText())) {
        throw unexpected("index.json: expected one OCI manifest, got " + manifests);
      }
      String manifestDigest = manifests.get(0).path("digest").asText();
      JsonNode manifest = JSON.readTree(readJson(tarFile, entries, blobName(manifestDigest)));
      String configDigest = manifest.path("config").path("digest").asText();
      readJson(tarFile, entries, blobName(configDigest));
      JsonNode layers = manifest.path("layers");
      if (layers.size() != 1) {
        throw unexpected("manifest: expected one layer, got " + layers.size());
      }
      // jib digests the bytes as it copies them, so an equal digest means an identical copy.
      JsonNode layerDescriptor = layers.get(0);
      if (!layer.digest().equals(layerDescriptor.path("digest").asText())
          || layer.size() != layerDescriptor.path("size").asLong(-1)
          || !OCI_LAYER_GZIP.equals(layerDescriptor.path("mediaType").asText())
          || !entries.containsKey(blobName(layer.digest()))) {
        throw unexpected(
            "manifest layer " + layerDescriptor + " is not the given layer " + layer.digest());
      }
      return new ImageResult(manifestDigest, configDigest, layer.digest(), layer.size());
    }
  }

  private static byte[] readJson(TarFile tarFile, Map<String, TarArchiveEntry> entries, String name)
      throws IOException {
    TarArchiveEntry entry = entries.get(name);
    if (entry == null || !entry.isFile() || entry.getSize() > MAX_JSON_SIZE) {
      throw unexpected(entry == null ? "missing " + name : name + " is not a small file");
    }
    try (InputStream in = tarFile.getInputStream(entry)) {
      return in.readAllBytes();
    }
  }

  private static void force(Path file) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      channel.force(true);
    }
  }

  private static String blobName(String digest) throws IOException {
    if (!digest.startsWith("sha256:")) {
      throw unexpected("digest " + digest);
    }
    return BLOBS + digest.substring("sha256:".length());
  }

  private static IOException unexpected(String what) {
    return new IOException("unexpected OCI tar from jib: " + what);
  }

  private static void moveIntoPlace(Path temporary, Path target) throws IOException {
    try {
      Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
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
