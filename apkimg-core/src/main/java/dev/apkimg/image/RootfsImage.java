package dev.apkimg.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.tools.jib.api.CacheDirectoryCreationException;
import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import com.google.cloud.tools.jib.api.buildplan.Platform;
import com.google.cloud.tools.jib.api.buildplan.Port;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Our gzipped rootfs layer and its {@link ImageConfig} as a jib base image: the start of every
 * output (archives, registries, the Docker daemon) and of application images built on top.
 *
 * <p>jib cannot take a root filesystem as an application layer (no setuid bits, hardlinks or
 * xattrs), so the layer goes in as a <em>base image</em>: a {@code docker save}-style tar with
 * our config and the layer, which jib copies byte for byte. {@link #containerBuilder()} returns a
 * jib builder with the runtime settings applied; callers may add {@code FileEntriesLayer}s on top.
 * {@link #containerize} runs jib with caches of its own in the work directory, because jib finds
 * base layers by diff id and a shared cache could hand back another build's compressed bytes.
 */
public final class RootfsImage {
  private static final System.Logger LOG = System.getLogger(RootfsImage.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final FileTime ENTRY_TIME = FileTime.from(Instant.EPOCH);

  private final List<LayerBlob> lower;
  private final LayerBlob layer;
  private final ImageConfig config;
  private final Path baseTar;
  private final Path workDir;

  private RootfsImage(List<LayerBlob> lower, LayerBlob layer, ImageConfig config, Path baseTar, Path workDir) {
    this.lower = List.copyOf(lower);
    this.layer = layer;
    this.config = config;
    this.baseTar = baseTar;
    this.workDir = workDir;
  }

  /**
   * Writes the base image tar into {@code workDir}, which the caller owns and deletes; it must
   * stay until the last {@link #containerize} returns.
   */
  public static RootfsImage create(LayerBlob layer, ImageConfig config, Path workDir)
      throws IOException {
    return create(List.of(), List.of(), layer, config, workDir);
  }

  /**
   * As {@link #create(LayerBlob, ImageConfig, Path)}, with {@code lower} layers (package layers)
   * under {@code layer}, bottom first, each with the history line {@code lowerHistory} gives it.
   */
  public static RootfsImage create(List<LayerBlob> lower, List<String> lowerHistory, LayerBlob layer,
      ImageConfig config, Path workDir) throws IOException {
    Objects.requireNonNull(layer, "layer");
    Objects.requireNonNull(config, "config");
    if (lower.size() != lowerHistory.size()) {
      throw new IllegalArgumentException("one history line per lower layer");
    }
    for (LayerBlob l : lower) {
      checkLayerFile(l);
    }
    checkLayerFile(layer);
    Files.createDirectories(workDir);
    Path baseTar = Files.createTempFile(workDir, "base-", ".tar");
    writeBaseImageTar(lower, lowerHistory, layer, config, baseTar);
    return new RootfsImage(lower, layer, config, baseTar, workDir);
  }

  /** Every layer of the base, bottom first: the lower (package) layers, then {@link #layer()}. */
  public List<LayerBlob> layers() {
    List<LayerBlob> all = new java.util.ArrayList<>(lower);
    all.add(layer);
    return all;
  }

  public LayerBlob layer() {
    return layer;
  }

  public ImageConfig config() {
    return config;
  }

  Path workDir() {
    return workDir;
  }

  /** A jib builder on our layer with the config's runtime settings, for an OCI image. */
  public JibContainerBuilder containerBuilder() {
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
    if (config.user() != null) {
      builder.setUser(config.user());
    }
    if (!config.labels().isEmpty()) {
      builder.setLabels(config.labels());
    }
    if (!config.volumes().isEmpty()) {
      builder.setVolumes(config.volumes().stream().map(AbsoluteUnixPath::get)
          .collect(Collectors.toCollection(LinkedHashSet::new)));
    }
    if (!config.exposedPorts().isEmpty()) {
      Set<Port> ports = new LinkedHashSet<>();
      for (String port : config.exposedPorts()) { // PORT/tcp or PORT/udp: see Ports
        int number = Integer.parseInt(port.substring(0, port.indexOf('/')));
        ports.add(port.endsWith("/udp") ? Port.udp(number) : Port.tcp(number));
      }
      builder.setExposedPorts(ports);
    }
    return builder;
  }

  /**
   * Runs {@code builder} into {@code containerizer} with fresh caches in the work directory and
   * returns what jib built (digest, image id, tags). Failures become one-line {@link IOException}s.
   */
  public JibContainer containerize(JibContainerBuilder builder, Containerizer containerizer)
      throws IOException {
    Path caches = Files.createTempDirectory(workDir, "jib-cache-");
    containerizer
        .setBaseImageLayersCache(caches.resolve("base-layers"))
        .setApplicationLayersCache(caches.resolve("application-layers"))
        .setToolName("apkimg")
        .addEventHandler(LogEvent.class, RootfsImage::log);
    try {
      return builder.containerize(containerizer);
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
  }

  /**
   * jib's own messages are diagnostics (retries, fallbacks, its view of a failure): apkimg reports
   * what failed itself, in one line, so they stay below the default log level (for --verbose).
   */
  static void log(LogEvent event) {
    System.Logger.Level level = switch (event.getLevel()) {
      case ERROR, WARN, LIFECYCLE, PROGRESS, INFO -> System.Logger.Level.DEBUG;
      default -> System.Logger.Level.TRACE;
    };
    LOG.log(level, () -> "jib: " + event.getMessage());
  }

  private static void checkLayerFile(LayerBlob layer) throws IOException {
    if (!Files.isRegularFile(layer.file())) {
      throw new NoSuchFileException(layer.file().toString(), null, "layer file not found");
    }
    long actual = Files.size(layer.file()) - layer.offset();
    if (layer.offset() == 0 ? actual != layer.size() : actual < layer.size()) {
      throw new IOException(
          "layer " + layer.file() + " is " + actual + " bytes, its LayerBlob says " + layer.size());
    }
  }

  /** The base image jib reads: {@code docker save} layout with our config and layer. */
  private static void writeBaseImageTar(List<LayerBlob> lower, List<String> lowerHistory, LayerBlob layer,
      ImageConfig config, Path baseTar) throws IOException {
    ObjectNode manifestEntry = JSON.createObjectNode();
    manifestEntry.put("Config", "config.json");
    manifestEntry.putArray("RepoTags");
    com.fasterxml.jackson.databind.node.ArrayNode layerNames = manifestEntry.putArray("Layers");
    for (int i = 0; i < lower.size(); i++) {
      layerNames.add("layer-" + i + ".tar.gz");
    }
    layerNames.add("layer.tar.gz");
    byte[] manifest = JSON.writeValueAsBytes(JSON.createArrayNode().add(manifestEntry));

    // Only what jib takes from a base image goes here; the runtime settings are set on the
    // container builder so that jib does not treat them as inherited.
    ObjectNode base = JSON.createObjectNode();
    base.put("created", config.created().toString());
    base.put("architecture", config.architecture());
    base.put("os", config.os());
    ObjectNode rootfs = base.putObject("rootfs");
    rootfs.put("type", "layers");
    com.fasterxml.jackson.databind.node.ArrayNode diffIds = rootfs.putArray("diff_ids");
    lower.forEach(l -> diffIds.add(l.diffId()));
    diffIds.add(layer.diffId());
    // A history entry for each layer stops jib adding an "auto-generated by Jib" one.
    com.fasterxml.jackson.databind.node.ArrayNode history = base.putArray("history");
    for (String h : lowerHistory) {
      history.addObject().put("created", config.created().toString()).put("created_by", h);
    }
    history
        .addObject()
        .put("created", config.created().toString())
        .put("created_by", config.history().createdBy())
        .put("comment", config.history().comment());
    byte[] configJson = JSON.writeValueAsBytes(base);

    try (TarArchiveOutputStream tar = newTar(Files.newOutputStream(baseTar))) {
      putBytes(tar, "manifest.json", manifest);
      putBytes(tar, "config.json", configJson);
      for (int i = 0; i < lower.size(); i++) {
        putBytes(tar, "layer-" + i + ".tar.gz", standIn(i));
      }
      putBytes(tar, "layer.tar.gz", standIn(lower.size()));
    }
  }

  /**
   * What jib is given in place of layer {@code index}: an empty gzipped tar, unique by the gzip
   * header's time field. jib takes a base layer's diff id from the configuration and only copies
   * its bytes, so our layers need not pass through it (for a large image that was four copies and
   * two hashings of every byte); {@link PlatformImage} puts each layer's own digest and size back
   * into the manifest in place of its stand-in's.
   */
  static byte[] standIn(int index) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(out)) {
      gz.write(new byte[1024]); // a tar's end: two zero blocks
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    byte[] b = out.toByteArray();
    b[4] = (byte) (index + 1); // MTIME, little-endian
    b[5] = (byte) ((index + 1) >> 8);
    b[6] = (byte) ((index + 1) >> 16);
    b[7] = (byte) ((index + 1) >> 24);
    return b;
  }

  static TarArchiveOutputStream newTar(OutputStream out) {
    TarArchiveOutputStream tar = new TarArchiveOutputStream(out, StandardCharsets.UTF_8.name());
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    return tar;
  }

  static void putBytes(TarArchiveOutputStream tar, String name, byte[] bytes) throws IOException {
    tar.putArchiveEntry(fileEntry(name, bytes.length));
    tar.write(bytes);
    tar.closeArchiveEntry();
  }

  // Fixed owner, mode and time: archive headers should not depend on the host or the clock.
  static TarArchiveEntry fileEntry(String name, long size) {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setUserId(0);
    entry.setGroupId(0);
    entry.setUserName("");
    entry.setGroupName("");
    entry.setModTime(ENTRY_TIME);
    entry.setMode(0100644);
    entry.setSize(size);
    return entry;
  }
}
