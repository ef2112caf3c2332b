package dev.apkimg.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.tools.jib.api.CacheDirectoryCreationException;
import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import com.google.cloud.tools.jib.api.buildplan.Platform;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * Turns our gzipped rootfs layer and an {@link ImageConfig} into an OCI image archive (an OCI
 * image layout in a tar, as {@code skopeo copy oci-archive:...} reads it), using jib-core.
 *
 * <p>jib cannot take a root filesystem as an application layer, so the layer goes in as a
 * <em>base image</em>: a {@code docker save}-style tar holding our config and the layer. jib
 * copies an already-gzipped base layer byte for byte and writes its OCI tar ({@code oci-layout},
 * {@code index.json}, {@code blobs/sha256/*}). That tar is then re-packed entry by entry, because
 * jib's tar headers carry the {@code user.name} of whoever ran the build (commons-compress fills
 * it in), which would make the archive bytes differ between machines. The blobs and JSON are
 * jib's, unchanged.
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
  private static final FileTime ENTRY_TIME = FileTime.from(Instant.EPOCH);

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
    checkLayerFile(layer);

    Path target = output.toAbsolutePath();
    Path directory = target.getParent();
    Files.createDirectories(directory);
    Path work = Files.createTempDirectory("apkimg-image-");
    Path temporary = null;
    boolean written = false;
    try {
      Path baseTar = work.resolve("base.tar");
      writeBaseImageTar(layer, config, baseTar);
      Path jibTar = work.resolve("jib-oci.tar");
      runJib(baseTar, config, imageReference, jibTar, work);
      temporary = Files.createTempFile(directory, "." + target.getFileName() + ".", ".tmp");
      ImageResult result = repack(jibTar, temporary, layer);
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

  private static void checkLayerFile(LayerBlob layer) throws IOException {
    if (!Files.isRegularFile(layer.file())) {
      throw new NoSuchFileException(layer.file().toString(), null, "layer file not found");
    }
    long actual = Files.size(layer.file());
    if (actual != layer.size()) {
      throw new IOException(
          "layer " + layer.file() + " is " + actual + " bytes, its LayerBlob says " + layer.size());
    }
  }

  /** The base image jib reads: {@code docker save} layout with our config and layer. */
  private static void writeBaseImageTar(LayerBlob layer, ImageConfig config, Path baseTar)
      throws IOException {
    ObjectNode manifestEntry = JSON.createObjectNode();
    manifestEntry.put("Config", "config.json");
    manifestEntry.putArray("RepoTags");
    manifestEntry.putArray("Layers").add("layer.tar.gz");
    byte[] manifest = JSON.writeValueAsBytes(JSON.createArrayNode().add(manifestEntry));

    // Only what jib takes from a base image goes here; the runtime settings are set on the
    // container builder so that jib does not treat them as inherited.
    ObjectNode base = JSON.createObjectNode();
    base.put("created", config.created().toString());
    base.put("architecture", config.architecture());
    if (config.variant() != null) {
      base.put("variant", config.variant()); // dropped by jib 0.28.1, see class comment
    }
    base.put("os", config.os());
    ObjectNode rootfs = base.putObject("rootfs");
    rootfs.put("type", "layers");
    rootfs.putArray("diff_ids").add(layer.diffId());
    // A history entry for our layer stops jib adding an "auto-generated by Jib" one.
    base.putArray("history")
        .addObject()
        .put("created", config.created().toString())
        .put("created_by", "apkimg")
        .put("comment", "root filesystem");
    byte[] configJson = JSON.writeValueAsBytes(base);

    try (TarArchiveOutputStream tar = newTar(Files.newOutputStream(baseTar))) {
      putBytes(tar, "manifest.json", manifest);
      putBytes(tar, "config.json", configJson);
      tar.putArchiveEntry(fileEntry("layer.tar.gz", layer.size()));
      Files.copy(layer.file(), tar);
      tar.closeArchiveEntry();
    }
  }

  private static void runJib(
      Path baseTar, ImageConfig config, ImageReference reference, Path jibTar, Path work)
      throws IOException {
    JibContainerBuilder builder =
        Jib.from(TarImage.at(baseTar))
            .setFormat(ImageFormat.OCI)
            .setCreationTime(config.created())
            .setPlatforms(Set.of(new Platform(config.architecture(), config.os())))
            .setEnvironment(config.environment());
    if (!config.entrypoint().isEmpty()) {
      builder.setEntrypoint(config.entrypoint());
    }
    if (!config.cmd().isEmpty()) {
      builder.setProgramArguments(config.cmd());
    }
    if (config.workingDir() != null) {
      builder.setWorkingDirectory(AbsoluteUnixPath.get(config.workingDir()));
    }
    // Fresh caches per build: jib finds base layers by diff id, so a shared cache could hand
    // back another build's compressed bytes for the same content.
    Containerizer containerizer =
        Containerizer.to(TarImage.at(jibTar).named(reference))
            .setBaseImageLayersCache(work.resolve("base-layers-cache"))
            .setApplicationLayersCache(work.resolve("application-layers-cache"))
            .setOfflineMode(true)
            .setToolName("apkimg")
            .addEventHandler(LogEvent.class, OciImageWriter::log);
    try {
      builder.containerize(containerizer);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      InterruptedIOException interrupted = new InterruptedIOException("image build interrupted");
      interrupted.initCause(e);
      throw interrupted;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IOException("jib could not build the image: " + cause.getMessage(), cause);
    } catch (RegistryException | CacheDirectoryCreationException e) {
      throw new IOException("jib could not build the image: " + e.getMessage(), e);
    }
    if (!Files.isRegularFile(jibTar)) {
      throw new IOException("jib reported success but wrote no image tar at " + jibTar);
    }
  }

  private static void log(LogEvent event) {
    System.Logger.Level level =
        switch (event.getLevel()) {
          case ERROR -> System.Logger.Level.ERROR;
          case WARN -> System.Logger.Level.WARNING;
          case DEBUG -> System.Logger.Level.TRACE;
          default -> System.Logger.Level.DEBUG;
        };
    LOG.log(level, () -> "jib: " + event.getMessage());
  }

  /**
   * Copies jib's OCI tar to {@code destination} with fixed tar headers and a fixed entry order
   * (layout metadata first, the layer last), checking what jib wrote on the way.
   */
  private static ImageResult repack(Path jibTar, Path destination, LayerBlob layer)
      throws IOException {
    try (TarFile tarFile = new TarFile(jibTar)) {
      Map<String, TarArchiveEntry> entries = new LinkedHashMap<>();
      for (TarArchiveEntry entry : tarFile.getEntries()) {
        if (!entry.isFile() || entries.put(entry.getName(), entry) != null) {
          throw unexpected("entry " + entry.getName());
        }
      }
      byte[] ociLayout = readJson(tarFile, entries, "oci-layout");
      byte[] indexJson = readJson(tarFile, entries, "index.json");
      JsonNode manifests = JSON.readTree(indexJson).path("manifests");
      if (manifests.size() != 1 || !OCI_MANIFEST.equals(manifests.get(0).path("mediaType").asText())) {
        throw unexpected("index.json: expected one OCI manifest, got " + manifests);
      }
      String manifestDigest = manifests.get(0).path("digest").asText();
      byte[] manifestJson = readBlob(tarFile, entries, manifestDigest);
      JsonNode manifest = JSON.readTree(manifestJson);
      String configDigest = manifest.path("config").path("digest").asText();
      byte[] configJson = readBlob(tarFile, entries, configDigest);
      JsonNode layers = manifest.path("layers");
      if (layers.size() != 1) {
        throw unexpected("manifest: expected one layer, got " + layers.size());
      }
      JsonNode layerDescriptor = layers.get(0);
      if (!layer.digest().equals(layerDescriptor.path("digest").asText())
          || layer.size() != layerDescriptor.path("size").asLong(-1)
          || !OCI_LAYER_GZIP.equals(layerDescriptor.path("mediaType").asText())) {
        throw unexpected(
            "manifest layer " + layerDescriptor + " is not the given layer " + layer.digest());
      }
      TarArchiveEntry layerEntry = entries.remove(blobName(layer.digest()));
      if (layerEntry == null || !entries.isEmpty()) {
        throw unexpected("entries " + entries.keySet());
      }

      try (FileChannel channel =
          FileChannel.open(destination, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        TarArchiveOutputStream tar =
            newTar(new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16));
        putBytes(tar, "oci-layout", ociLayout);
        putBytes(tar, "index.json", indexJson);
        tar.putArchiveEntry(directoryEntry("blobs/"));
        tar.closeArchiveEntry();
        tar.putArchiveEntry(directoryEntry(BLOBS));
        tar.closeArchiveEntry();
        putBytes(tar, blobName(manifestDigest), manifestJson);
        putBytes(tar, blobName(configDigest), configJson);
        copyLayer(tarFile, layerEntry, tar, layer);
        tar.finish();
        tar.flush();
        channel.force(true);
        tar.close();
      }
      return new ImageResult(manifestDigest, configDigest, layer.digest(), layer.size());
    }
  }

  private static void copyLayer(
      TarFile tarFile, TarArchiveEntry entry, TarArchiveOutputStream tar, LayerBlob layer)
      throws IOException {
    MessageDigest digest = LayerBlob.sha256();
    tar.putArchiveEntry(fileEntry(entry.getName(), entry.getSize()));
    // Not closed: that would close the tar stream.
    OutputStream digesting = new DigestOutputStream(tar, digest);
    try (InputStream in = tarFile.getInputStream(entry)) {
      in.transferTo(digesting);
    }
    tar.closeArchiveEntry();
    if (!LayerBlob.hex(digest).equals(layer.digest())) {
      throw unexpected("layer blob bytes differ from " + layer.file());
    }
  }

  private static byte[] readBlob(TarFile tarFile, Map<String, TarArchiveEntry> entries, String digest)
      throws IOException {
    byte[] bytes = readJson(tarFile, entries, blobName(digest));
    MessageDigest sha256 = LayerBlob.sha256();
    sha256.update(bytes);
    if (!LayerBlob.hex(sha256).equals(digest)) {
      throw unexpected("blob " + digest + " does not match its digest");
    }
    return bytes;
  }

  private static byte[] readJson(TarFile tarFile, Map<String, TarArchiveEntry> entries, String name)
      throws IOException {
    TarArchiveEntry entry = entries.remove(name);
    if (entry == null || entry.getSize() > MAX_JSON_SIZE) {
      throw unexpected(entry == null ? "missing " + name : name + " is too large");
    }
    try (InputStream in = tarFile.getInputStream(entry)) {
      return in.readAllBytes();
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

  private static TarArchiveOutputStream newTar(OutputStream out) {
    TarArchiveOutputStream tar = new TarArchiveOutputStream(out, StandardCharsets.UTF_8.name());
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    return tar;
  }

  private static void putBytes(TarArchiveOutputStream tar, String name, byte[] bytes)
      throws IOException {
    tar.putArchiveEntry(fileEntry(name, bytes.length));
    tar.write(bytes);
    tar.closeArchiveEntry();
  }

  private static TarArchiveEntry fileEntry(String name, long size) {
    TarArchiveEntry entry = normalized(new TarArchiveEntry(name));
    entry.setMode(0100644);
    entry.setSize(size);
    return entry;
  }

  private static TarArchiveEntry directoryEntry(String name) {
    TarArchiveEntry entry = normalized(new TarArchiveEntry(name));
    entry.setMode(040755);
    return entry;
  }

  // The constructor fills in the user name of the running JVM; clear everything host-specific.
  private static TarArchiveEntry normalized(TarArchiveEntry entry) {
    entry.setUserId(0);
    entry.setGroupId(0);
    entry.setUserName("");
    entry.setGroupName("");
    entry.setModTime(ENTRY_TIME);
    return entry;
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
