package dev.apkimg.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.TarImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * One platform's image, ready to publish: manifest, configuration and layer blobs with their
 * digests. Every output (OCI or Docker archive, registry, daemon) publishes these same bytes, so
 * an image has one digest wherever it goes.
 *
 * <p>jib builds it (offline, into an OCI tar in the work directory); then what jib-core 0.28.1
 * cannot express is added: {@code variant} and {@code StopSignal} in the configuration, and
 * annotations on the manifest. That changes the configuration's and the manifest's digests, not
 * the layers: the rootfs layer stays the bytes we wrote, checked by digest.
 */
public final class PlatformImage {
  static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
  static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
  static final ObjectMapper JSON = new ObjectMapper();
  // Guards against reading a huge entry into memory where only JSON is expected.
  private static final long MAX_JSON_SIZE = 4L << 20;

  /** A layer blob on disk. */
  /** A layer blob: {@code size} bytes of {@code file} from {@code offset}. */
  public record Layer(String mediaType, String digest, long size, Path file, long offset) {
    public Layer(String mediaType, String digest, long size, Path file) {
      this(mediaType, digest, size, file, 0);
    }

    /** Opens the blob's bytes. */
    public java.io.InputStream open() throws IOException {
      return LayerBlob.openRange(file, offset, size);
    }
  }

  private final ImageConfig config;
  private final byte[] configJson;
  private final String configDigest;
  private final byte[] manifest;
  private final String manifestDigest;
  private final List<Layer> layers;

  private PlatformImage(ImageConfig config, byte[] configJson, byte[] manifest, List<Layer> layers) {
    this.config = config;
    this.configJson = configJson;
    this.configDigest = digest(configJson);
    this.manifest = manifest;
    this.manifestDigest = digest(manifest);
    this.layers = List.copyOf(layers);
  }

  /**
   * Runs {@code builder} (from {@code image.containerBuilder()}, perhaps with layers added) and
   * completes the result. Blobs other than our layer are kept in {@code image}'s work directory.
   *
   * @param annotations manifest annotations, in this order
   */
  public static PlatformImage build(
      RootfsImage image, JibContainerBuilder builder, Map<String, String> annotations)
      throws IOException {
    Path workDir = Files.createTempDirectory(image.workDir(), "platform-");
    Path jibTar = workDir.resolve("jib.tar");
    image.containerize(builder, Containerizer.to(TarImage.at(jibTar).named(
        ImageReference.of(null, "apkimg", "build"))).setOfflineMode(true));
    return read(image, jibTar, workDir, annotations);
  }

  public ImageConfig config() {
    return config;
  }

  /** {@code os/architecture[/variant]}, as docker and skopeo name platforms. */
  public String platform() {
    return config.os() + "/" + config.architecture()
        + (config.variant() == null ? "" : "/" + config.variant());
  }

  public String manifestDigest() {
    return manifestDigest;
  }

  public String configDigest() {
    return configDigest;
  }

  public List<Layer> layers() {
    return layers;
  }

  byte[] manifest() {
    return manifest.clone();
  }

  byte[] configJson() {
    return configJson.clone();
  }

  /** Manifest, configuration and layers: what a registry stores for this image. */
  public long compressedSize() {
    return manifest.length + configJson.length + layers.stream().mapToLong(Layer::size).sum();
  }

  /** The descriptor of the manifest in an index, with the platform. */
  ObjectNode descriptor() {
    ObjectNode d = JSON.createObjectNode();
    d.put("mediaType", OCI_MANIFEST);
    d.put("digest", manifestDigest);
    d.put("size", manifest.length);
    ObjectNode platform = d.putObject("platform");
    platform.put("architecture", config.architecture());
    platform.put("os", config.os());
    if (config.variant() != null) {
      platform.put("variant", config.variant());
    }
    return d;
  }

  private static PlatformImage read(RootfsImage image, Path jibTar, Path workDir,
      Map<String, String> annotations) throws IOException {
    List<LayerBlob> base = image.layers();
    try (TarFile tar = new TarFile(jibTar)) {
      Map<String, TarArchiveEntry> entries = new LinkedHashMap<>();
      for (TarArchiveEntry entry : tar.getEntries()) {
        entries.put(entry.getName(), entry);
      }
      JsonNode manifests = JSON.readTree(readJson(tar, entries, "index.json")).path("manifests");
      if (manifests.size() != 1 || !OCI_MANIFEST.equals(manifests.get(0).path("mediaType").asText())) {
        throw unexpected("index.json: expected one OCI manifest, got " + manifests);
      }
      ObjectNode manifest = (ObjectNode) JSON.readTree(
          readJson(tar, entries, blobName(manifests.get(0).path("digest").asText())));
      ObjectNode configNode = (ObjectNode) JSON.readTree(
          readJson(tar, entries, blobName(manifest.path("config").path("digest").asText())));

      List<Layer> layers = new ArrayList<>();
      JsonNode layerNodes = manifest.path("layers");
      if (layerNodes.size() < 1) {
        throw unexpected("manifest has no layers");
      }
      for (int i = 0; i < layerNodes.size(); i++) {
        JsonNode d = layerNodes.get(i);
        String digest = d.path("digest").asText();
        long size = d.path("size").asLong(-1);
        TarArchiveEntry entry = entries.get(blobName(digest));
        if (entry == null || entry.getSize() != size) {
          throw unexpected("layer " + digest + " missing or of the wrong size");
        }
        if (i < base.size()) {
          // Our layers: jib carried a stand-in for each (RootfsImage.standIn); the manifest gets
          // the layer's own digest and size, whose diff id jib took from the base configuration.
          LayerBlob ours = base.get(i);
          byte[] standIn = RootfsImage.standIn(i);
          if (!digest(standIn).equals(digest) || standIn.length != size
              || !OCI_LAYER_GZIP.equals(d.path("mediaType").asText())) {
            throw unexpected("layer " + i + " " + d + " is not the stand-in for " + ours.digest());
          }
          ((ObjectNode) d).put("digest", ours.digest());
          ((ObjectNode) d).put("size", ours.size());
          layers.add(new Layer(OCI_LAYER_GZIP, ours.digest(), ours.size(), ours.file(), ours.offset()));
        } else {
          Path file = workDir.resolve(digest.substring("sha256:".length()));
          try (OutputStream out = Files.newOutputStream(file)) {
            String copied = digestOf(tar, entry, out);
            if (!copied.equals(digest)) {
              throw unexpected("layer blob " + digest + " holds bytes with digest " + copied);
            }
          }
          layers.add(new Layer(d.path("mediaType").asText(), digest, size, file));
        }
      }

      ImageConfig config = image.config();
      byte[] configJson = JSON.writeValueAsBytes(complete(configNode, config));
      ObjectNode configDescriptor = (ObjectNode) manifest.path("config");
      configDescriptor.put("digest", digest(configJson));
      configDescriptor.put("size", configJson.length);
      manifest.remove("annotations");
      if (!annotations.isEmpty()) {
        ObjectNode a = manifest.putObject("annotations");
        annotations.forEach(a::put);
      }
      return new PlatformImage(config, configJson, JSON.writeValueAsBytes(manifest), layers);
    }
  }

  /** Adds {@code variant} after {@code architecture}, and {@code StopSignal}, which jib drops. */
  private static ObjectNode complete(ObjectNode jibConfig, ImageConfig config) {
    ObjectNode out = JSON.createObjectNode();
    for (Iterator<Map.Entry<String, JsonNode>> it = jibConfig.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      out.set(field.getKey(), field.getValue());
      if (field.getKey().equals("architecture") && config.variant() != null) {
        out.put("variant", config.variant());
      }
    }
    if (config.stopSignal() != null) {
      JsonNode runtime = out.get("config");
      ObjectNode settings = runtime instanceof ObjectNode o ? o : out.putObject("config");
      settings.put("StopSignal", config.stopSignal());
    }
    // jib keeps the environment in a hash map; write it in the profile's order.
    if (out.get("config") instanceof ObjectNode settings && settings.get("Env") instanceof ArrayNode jibEnv
        && !config.environment().isEmpty()) {
      java.util.LinkedHashSet<String> ordered = new java.util.LinkedHashSet<>();
      config.environment().forEach((k, v) -> ordered.add(k + "=" + v));
      jibEnv.forEach(e -> ordered.add(e.asText()));
      ArrayNode env = settings.putArray("Env");
      ordered.forEach(env::add);
    }
    return out;
  }

  private static String digestOf(TarFile tar, TarArchiveEntry entry, OutputStream copy)
      throws IOException {
    MessageDigest sha = LayerBlob.sha256();
    try (InputStream in = tar.getInputStream(entry);
        OutputStream out = new DigestOutputStream(copy, sha)) {
      in.transferTo(out);
    }
    return LayerBlob.hex(sha);
  }

  private static byte[] readJson(TarFile tar, Map<String, TarArchiveEntry> entries, String name)
      throws IOException {
    TarArchiveEntry entry = entries.get(name);
    if (entry == null || !entry.isFile() || entry.getSize() > MAX_JSON_SIZE) {
      throw unexpected(entry == null ? "missing " + name : name + " is not a small file");
    }
    try (InputStream in = tar.getInputStream(entry)) {
      return in.readAllBytes();
    }
  }

  static String blobName(String digest) throws IOException {
    if (!digest.matches("sha256:[0-9a-f]{64}")) {
      throw unexpected("digest " + digest);
    }
    return "blobs/sha256/" + digest.substring("sha256:".length());
  }

  static java.security.MessageDigest sha256() {
    try {
      return java.security.MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String digest(byte[] bytes) {
    MessageDigest sha = LayerBlob.sha256();
    sha.update(bytes);
    return LayerBlob.hex(sha);
  }

  private static IOException unexpected(String what) {
    return new IOException("unexpected OCI tar from jib: " + what);
  }

  @Override
  public String toString() {
    return platform() + " " + manifestDigest;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PlatformImage p && p.manifestDigest.equals(manifestDigest);
  }

  @Override
  public int hashCode() {
    return Objects.hash(manifestDigest);
  }
}
