package dev.apkimg.image;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.api.RegistryUnauthorizedException;
import com.google.cloud.tools.jib.blob.Blob;
import com.google.cloud.tools.jib.blob.Blobs;
import com.google.cloud.tools.jib.event.EventHandlers;
import com.google.cloud.tools.jib.http.FailoverHttpClient;
import com.google.cloud.tools.jib.image.json.ManifestTemplate;
import com.google.cloud.tools.jib.registry.RegistryClient;
import dev.apkimg.ApkimgException;
import dev.apkimg.OutputFiles;
import dev.apkimg.TemporaryFiles;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Publishes built {@link PlatformImage}s: an OCI or Docker archive, registries, the Docker daemon.
 * Several platforms become one OCI image index, which jib-core cannot write or push: in the OCI
 * archive it is a blob that {@code index.json} points to; in a registry it is pushed under each
 * tag after every platform's manifest has been pushed by digest.
 */
public final class ImagePublisher {
  static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  private static final String REF_NAME = "org.opencontainers.image.ref.name";
  /** How long a registry may take to accept a connection before a push gives up. */
  static final int REGISTRY_CONNECT_TIMEOUT_MILLIS = 10_000;

  private ImagePublisher() {}

  /** What publishing reports, as it happens. */
  public interface Progress {
    void pushed(String reference, String digest);

    void loaded(String tag, String platform);

    /** The archive is staged in the caller's files (it is in place once they are committed). */
    void wrote(Path archive, String tag, String digest);
  }

  /**
   * Publishes {@code images} (one per platform) to every output in {@code outputs}. The archive
   * is staged in {@code files} and left there: the caller commits it together with its other
   * outputs (metadata, digest) once everything is published, all or nothing.
   *
   * @param tag the image name recorded in archives and in the daemon, exactly as given
   * @param indexAnnotations annotations of the image index (several platforms)
   */
  public static PublishResult publish(List<PlatformImage> images, String tag, Map<String, String> indexAnnotations,
      ImageOutputs outputs, OutputFiles files, Progress progress) {
    if (images.isEmpty()) {
      throw new IllegalArgumentException("no image to publish");
    }
    byte[] index = images.size() > 1 ? index(images, indexAnnotations) : null;
    String digest = index != null ? PlatformImage.digest(index) : images.get(0).manifestDigest();
    String mediaType = index != null ? OCI_INDEX : PlatformImage.OCI_MANIFEST;

    List<String> pushed = new ArrayList<>();
    try {
      if (outputs.archive() != null) {
        Path target = outputs.archive().toAbsolutePath();
        Path staged = files.stage(target);
        if (outputs.format() == ImageOutputs.Format.DOCKER) {
          PlatformImage image = single(images, "a Docker archive");
          files.writeStaged(staged, file -> writeDockerArchive(image, tag, file));
        } else {
          files.writeStaged(staged, file -> writeOciArchive(images, index, tag, file));
        }
      }
      for (String reference : outputs.push()) {
        push(images, index, reference, outputs);
        pushed.add(reference);
        progress.pushed(reference, digest);
      }
      boolean loaded = false;
      if (outputs.daemon()) {
        PlatformImage image = forDaemon(images);
        loadIntoDaemon(image, tag);
        loaded = true;
        progress.loaded(tag, image.platform());
      }
      if (outputs.archive() != null) {
        progress.wrote(outputs.archive().toAbsolutePath(), tag, digest);
      }
      return new PublishResult(digest, mediaType, images, tag, outputs.archive() == null
          ? null : outputs.archive().toAbsolutePath(), pushed, loaded);
    } catch (IOException e) {
      throw new ApkimgException(e.getMessage(), e);
    }
  }

  /** Writes {@code images} as an archive at {@code target}, atomically. */
  static void writeArchive(List<PlatformImage> images, String tag, Path target,
      ImageOutputs.Format format) throws IOException {
    if (format == ImageOutputs.Format.DOCKER) {
      PlatformImage image = single(images, "a Docker archive");
      OutputFiles.write(target, file -> writeDockerArchive(image, tag, file));
    } else {
      byte[] index = images.size() > 1 ? index(images, Map.of()) : null;
      OutputFiles.write(target, file -> writeOciArchive(images, index, tag, file));
    }
  }

  private static byte[] index(List<PlatformImage> images, Map<String, String> annotations) {
    ObjectNode index = PlatformImage.JSON.createObjectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", OCI_INDEX);
    ArrayNode manifests = index.putArray("manifests");
    for (PlatformImage image : images) {
      manifests.add(image.descriptor());
    }
    if (!annotations.isEmpty()) {
      ObjectNode a = index.putObject("annotations");
      annotations.forEach(a::put);
    }
    return json(index);
  }

  private static byte[] json(JsonNode node) {
    try {
      return PlatformImage.JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialise JSON", e);
    }
  }

  private static PlatformImage single(List<PlatformImage> images, String what) {
    if (images.size() != 1) {
      throw new ApkimgException(what + " holds one platform, this image has " + images.size()
          + " (" + images.stream().map(PlatformImage::platform).toList()
          + "): build one architecture, or use the OCI format", dev.apkimg.Hint.ONE_ARCH);
    }
    return images.get(0);
  }

  // ---- archives

  /**
   * An OCI image layout in a tar: {@code oci-layout}, {@code index.json}, then the blobs, no
   * directories, owner 0, mode 0644, time 0. {@code index.json} names the image with {@code
   * ref.name} = the tag as given; with several platforms it points to the index blob.
   */
  static void writeOciArchive(List<PlatformImage> images, byte[] index, String tag, Path file)
      throws IOException {
    ObjectNode top = PlatformImage.JSON.createObjectNode();
    top.put("schemaVersion", 2);
    top.put("mediaType", OCI_INDEX);
    ObjectNode entry;
    if (index != null) {
      entry = PlatformImage.JSON.createObjectNode();
      entry.put("mediaType", OCI_INDEX);
      entry.put("digest", PlatformImage.digest(index));
      entry.put("size", index.length);
    } else {
      entry = images.get(0).descriptor();
    }
    entry.putObject("annotations").put(REF_NAME, tag);
    top.putArray("manifests").add(entry);

    Map<String, Object> blobs = new LinkedHashMap<>();
    for (PlatformImage image : images) {
      for (PlatformImage.Layer layer : image.layers()) {
        blobs.putIfAbsent(layer.digest(), layer.file());
      }
      blobs.putIfAbsent(image.configDigest(), image.configJson());
      blobs.putIfAbsent(image.manifestDigest(), image.manifest());
    }
    if (index != null) {
      blobs.put(PlatformImage.digest(index), index);
    }
    try (TarArchiveOutputStream tar = RootfsImage.newTar(Files.newOutputStream(file))) {
      RootfsImage.putBytes(tar, "oci-layout",
          "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
      RootfsImage.putBytes(tar, "index.json", json(top));
      for (Map.Entry<String, Object> blob : blobs.entrySet()) {
        putBlob(tar, PlatformImage.blobName(blob.getKey()), blob.getValue());
      }
    }
  }

  /** {@code docker save}'s format: {@code manifest.json}, the configuration, the gzipped layers. */
  static void writeDockerArchive(PlatformImage image, String tag, Path file) throws IOException {
    ObjectNode entry = PlatformImage.JSON.createObjectNode();
    String config = hex(image.configDigest()) + ".json";
    entry.put("Config", config);
    entry.putArray("RepoTags").add(tag);
    ArrayNode layers = entry.putArray("Layers");
    for (PlatformImage.Layer layer : image.layers()) {
      layers.add(hex(layer.digest()) + ".tar.gz");
    }
    try (TarArchiveOutputStream tar = RootfsImage.newTar(Files.newOutputStream(file))) {
      RootfsImage.putBytes(tar, "manifest.json", json(PlatformImage.JSON.createArrayNode().add(entry)));
      RootfsImage.putBytes(tar, config, image.configJson());
      for (PlatformImage.Layer layer : image.layers()) {
        putBlob(tar, hex(layer.digest()) + ".tar.gz", layer.file());
      }
    }
  }

  private static void putBlob(TarArchiveOutputStream tar, String name, Object content)
      throws IOException {
    if (content instanceof byte[] bytes) {
      RootfsImage.putBytes(tar, name, bytes);
    } else {
      Path path = (Path) content;
      tar.putArchiveEntry(RootfsImage.fileEntry(name, Files.size(path)));
      Files.copy(path, tar);
      tar.closeArchiveEntry();
    }
  }

  private static String hex(String digest) {
    return digest.substring("sha256:".length());
  }

  // ---- registries

  /** Holds the bytes we computed the digest of, so jib pushes exactly them. */
  static final class RawManifest implements ManifestTemplate {
    private final JsonNode json;
    private final String mediaType;

    RawManifest(byte[] bytes, String mediaType) throws IOException {
      this.json = PlatformImage.JSON.readTree(bytes);
      this.mediaType = mediaType;
    }

    @JsonValue
    JsonNode json() {
      return json;
    }

    @Override
    public int getSchemaVersion() {
      return 2;
    }

    @Override
    public String getManifestMediaType() {
      return mediaType;
    }
  }

  private static void push(List<PlatformImage> images, byte[] index, String reference,
      ImageOutputs outputs) throws IOException {
    ImageReference target;
    try {
      target = ImageReference.parse(reference);
    } catch (InvalidImageReferenceException e) {
      throw new ApkimgException("invalid image reference to push to: '" + reference + "'");
    }
    if (target.getDigest().isPresent()) {
      throw new ApkimgException("cannot push to " + reference + ": give a tag, not a digest");
    }
    String registry = target.getRegistry();
    Optional<RegistryCredentials.Found> found = outputs.credentials().find(target);
    String who = found.map(f -> " as " + f).orElse(" without credentials");
    boolean insecure = outputs.allowInsecureRegistries();
    checkReachable(registry, reference, insecure);
    EventHandlers events = EventHandlers.builder().add(LogEvent.class, RootfsImage::log).build();
    RegistryClient client = RegistryClient.factory(events, registry, target.getRepository(),
            new FailoverHttpClient(insecure, insecure, RootfsImage::log))
        .setCredential(found.map(RegistryCredentials.Found::credential).orElse(null))
        .setUserAgent("apkimg")
        .newRegistryClient();
    String tag = target.getTag().orElse("latest");
    try {
      // Token registries answer the push scope here; basic-auth ones (htpasswd) say "Basic".
      if (!client.doPushBearerAuth() && found.isPresent()) {
        client.configureBasicAuth();
      }
      for (PlatformImage image : images) {
        for (PlatformImage.Layer layer : image.layers()) {
          pushBlob(client, layer.digest(), Blobs.from(layer.file()));
        }
        byte[] config = image.configJson();
        pushBlob(client, image.configDigest(), Blobs.from(out -> out.write(config), true));
        pushManifest(client, image.manifest(), PlatformImage.OCI_MANIFEST,
            index == null ? tag : image.manifestDigest(), image.manifestDigest());
      }
      if (index != null) {
        pushManifest(client, index, OCI_INDEX, tag, PlatformImage.digest(index));
      }
    } catch (RegistryUnauthorizedException e) {
      throw new ApkimgException("registry " + registry + " refused the push to "
          + target.getRepository() + who + " (unauthorized): check the user name and password");
    } catch (RegistryException e) {
      throw new ApkimgException("cannot push to " + reference + who + ": " + oneLine(e));
    } catch (IOException e) {
      if (e instanceof InterruptedIOException) {
        throw e;
      }
      throw new ApkimgException("cannot push to " + reference + ": " + oneLine(e)
          + (insecure ? "" : "; a registry on plain HTTP must be allowed explicitly"),
          insecure ? null : dev.apkimg.Hint.ALLOW_INSECURE_REGISTRY, e);
    }
  }

  /**
   * jib retries a failed connection with backoff for about a minute, so a registry that nobody
   * answers at (a closed port, a wrong host, a black hole) is found out here first, within
   * {@link #REGISTRY_CONNECT_TIMEOUT_MILLIS}. Skipped behind a proxy, which jib goes through.
   */
  static void checkReachable(String registry, String reference, boolean insecure) {
    if (System.getProperty("https.proxyHost") != null || System.getProperty("http.proxyHost") != null) {
      return;
    }
    String host = registry;
    List<Integer> ports = insecure ? List.of(443, 80) : List.of(443);
    int colon = registry.lastIndexOf(':');
    if (colon > registry.lastIndexOf(']')) {
      host = registry.substring(0, colon);
      try {
        ports = List.of(Integer.parseInt(registry.substring(colon + 1)));
      } catch (NumberFormatException e) {
        throw new ApkimgException("invalid registry port in '" + reference + "'");
      }
    }
    host = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    String reason = "";
    for (int port : ports) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(host, port), REGISTRY_CONNECT_TIMEOUT_MILLIS);
        if (!insecure) {
          checkTls(socket, host, port, registry, reference);
        }
        return;
      } catch (UnknownHostException e) {
        throw new ApkimgException("cannot push to " + reference + ": unknown registry host '" + host
            + "': check the image reference");
      } catch (SocketTimeoutException e) {
        reason = "no answer within " + REGISTRY_CONNECT_TIMEOUT_MILLIS / 1000 + " s";
      } catch (IOException e) {
        reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      }
    }
    throw new ApkimgException("cannot push to " + reference + ": nothing answers at " + registry
        + (colon > registry.lastIndexOf(']') ? "" : " (port " + ports.stream().map(String::valueOf)
            .reduce((a, b) -> a + " or " + b).orElse("") + ")")
        + ": " + reason + "; check that the registry is running and the host and port are right");
  }

  /** jib retries a failed TLS handshake for a minute too: a registry on plain HTTP, an untrusted certificate. */
  private static void checkTls(Socket socket, String host, int port, String registry, String reference) {
    try {
      socket.setSoTimeout(REGISTRY_CONNECT_TIMEOUT_MILLIS);
      SSLSocketFactory factory = (SSLSocketFactory) SSLSocketFactory.getDefault();
      try (SSLSocket tls = (SSLSocket) factory.createSocket(socket, host, port, false)) {
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        tls.setSSLParameters(parameters);
        tls.startHandshake();
      }
    } catch (IOException e) {
      String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
      throw new ApkimgException("cannot push to " + reference + ": no trusted TLS connection to " + registry + " ("
          + reason + "); a registry on plain HTTP or with an untrusted certificate must be allowed explicitly",
          dev.apkimg.Hint.ALLOW_INSECURE_REGISTRY);
    }
  }

  private static void pushBlob(RegistryClient client, String digest, Blob blob)
      throws IOException, RegistryException {
    DescriptorDigest d = descriptorDigest(digest);
    if (client.checkBlob(d).isEmpty()) {
      client.pushBlob(d, blob, null, n -> {});
    }
  }

  private static void pushManifest(RegistryClient client, byte[] bytes, String mediaType,
      String tagOrDigest, String expected) throws IOException, RegistryException {
    DescriptorDigest pushed = client.pushManifest(new RawManifest(bytes, mediaType), tagOrDigest);
    if (!pushed.toString().equals(expected)) {
      throw new IOException("pushed manifest has digest " + pushed + ", expected " + expected);
    }
  }

  private static DescriptorDigest descriptorDigest(String digest) throws IOException {
    try {
      return DescriptorDigest.fromDigest(digest);
    } catch (DigestException e) {
      throw new IOException("invalid digest " + digest, e);
    }
  }

  private static String oneLine(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        return t.getMessage().lines().findFirst().orElse("").strip();
      }
    }
    return e.getClass().getSimpleName();
  }

  // ---- Docker daemon

  private static PlatformImage forDaemon(List<PlatformImage> images) {
    if (images.size() == 1) {
      return images.get(0);
    }
    String host = dev.apkimg.Arch.host().map(dev.apkimg.Arch::platform).orElse("");
    return images.stream().filter(i -> i.platform().equals(host)).findFirst()
        .orElseGet(() -> single(images, "the Docker daemon"));
  }

  /** {@code docker load} of a Docker archive: what jib's DockerDaemonImage does, with our bytes. */
  private static void loadIntoDaemon(PlatformImage image, String tag) throws IOException {
    Path tar = TemporaryFiles.register(Files.createTempFile("apkimg-docker-", ".tar"));
    try {
      writeDockerArchive(image, tag, tar);
      Process docker;
      try {
        docker = new ProcessBuilder("docker", "load", "--input", tar.toString())
            .redirectErrorStream(true).start();
      } catch (IOException e) {
        throw new ApkimgException("cannot load the image into Docker: the docker command was not found ("
            + oneLine(e) + ")");
      }
      docker.getOutputStream().close();
      String output = new String(docker.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!docker.waitFor(10, TimeUnit.MINUTES)) {
        docker.destroyForcibly();
        throw new ApkimgException("cannot load the image into Docker: docker load did not finish in 10 minutes");
      }
      if (docker.exitValue() != 0) {
        String reason = output.lines().filter(l -> !l.isBlank()).reduce((a, b) -> b).orElse("exit " + docker.exitValue());
        throw new ApkimgException("cannot load the image into Docker: " + reason.strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while loading the image into Docker");
    } finally {
      TemporaryFiles.delete(tar);
    }
  }
}
