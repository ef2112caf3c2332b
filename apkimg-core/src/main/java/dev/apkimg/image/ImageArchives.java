package dev.apkimg.image;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** The archive outputs of {@link ImagePublisher}: an OCI image layout in a tar, and {@code docker save}'s tar. */
final class ImageArchives {
  private static final String REF_NAME = "org.opencontainers.image.ref.name";

  private ImageArchives() {}

  /**
   * An OCI image layout in a tar: {@code oci-layout}, {@code index.json}, then the blobs, no
   * directories, owner 0, mode 0644, time 0. {@code index.json} names the image with {@code
   * ref.name} = the tag as given; with several platforms it points to the index blob.
   */
  static void writeOciArchive(List<PlatformImage> images, byte[] index, String tag, Path file)
      throws IOException {
    writeOciArchive(images, index, tag, List.of(), file);
  }

  /**
   * As above, with {@code referrers} (artifacts whose subject is one of the images): their blobs
   * and manifests in {@code blobs/}, and each manifest listed in {@code index.json} after the
   * image's entry, with its {@code artifactType}, as the image layout lets an artifact be found.
   */
  static void writeOciArchive(List<PlatformImage> images, byte[] index, String tag, List<Referrer> referrers,
      Path file) throws IOException {
    ObjectNode top = PlatformImage.JSON.createObjectNode();
    top.put("schemaVersion", 2);
    top.put("mediaType", ImagePublisher.OCI_INDEX);
    ObjectNode entry;
    if (index != null) {
      entry = PlatformImage.JSON.createObjectNode();
      entry.put("mediaType", ImagePublisher.OCI_INDEX);
      entry.put("digest", PlatformImage.digest(index));
      entry.put("size", index.length);
    } else {
      entry = images.get(0).descriptor();
    }
    entry.putObject("annotations").put(REF_NAME, tag);
    ArrayNode manifests = top.putArray("manifests");
    manifests.add(entry);
    for (Referrer referrer : referrers) {
      manifests.add(referrer.descriptor());
    }

    Map<String, Object> blobs = new LinkedHashMap<>();
    for (PlatformImage image : images) {
      for (PlatformImage.Layer layer : image.layers()) {
        blobs.putIfAbsent(layer.digest(), layer);
      }
      blobs.putIfAbsent(image.configDigest(), image.configJson());
      blobs.putIfAbsent(image.manifestDigest(), image.manifest());
    }
    if (index != null) {
      blobs.put(PlatformImage.digest(index), index);
    }
    for (Referrer referrer : referrers) {
      blobs.putIfAbsent(PlatformImage.digest(Referrer.EMPTY), Referrer.EMPTY);
      blobs.putIfAbsent(referrer.contentDigest(), referrer.content());
      blobs.putIfAbsent(referrer.manifestDigest(), referrer.manifest());
    }
    try (TarArchiveOutputStream tar = RootfsImage.newTar(Files.newOutputStream(file))) {
      RootfsImage.putBytes(tar, "oci-layout",
          "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
      RootfsImage.putBytes(tar, "index.json", ImagePublisher.json(top));
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
      RootfsImage.putBytes(tar, "manifest.json", ImagePublisher.json(PlatformImage.JSON.createArrayNode().add(entry)));
      RootfsImage.putBytes(tar, config, image.configJson());
      for (PlatformImage.Layer layer : image.layers()) {
        putBlob(tar, hex(layer.digest()) + ".tar.gz", layer);
      }
    }
  }

  private static void putBlob(TarArchiveOutputStream tar, String name, Object content)
      throws IOException {
    if (content instanceof byte[] bytes) {
      RootfsImage.putBytes(tar, name, bytes);
    } else {
      // A layer's bytes reach the archive only here (jib carried a stand-in): check that they are
      // the digest the manifest names as they are copied (a caller's LayerBlob may be wrong).
      PlatformImage.Layer layer = (PlatformImage.Layer) content;
      Path path = layer.file();
      tar.putArchiveEntry(RootfsImage.fileEntry(name, layer.size()));
      java.security.MessageDigest sha = PlatformImage.sha256();
      long copied = 0;
      try (InputStream in = layer.open()) {
        byte[] buf = new byte[1 << 16];
        int n;
        while ((n = in.read(buf)) > 0) {
          sha.update(buf, 0, n);
          tar.write(buf, 0, n);
          copied += n;
        }
      }
      if (copied != layer.size()) {
        throw new IOException("layer " + path + " has " + copied + " bytes, not " + layer.size());
      }
      tar.closeArchiveEntry();
      String actual = "sha256:" + java.util.HexFormat.of().formatHex(sha.digest());
      String expected = name.startsWith("blobs/sha256/") ? "sha256:" + name.substring("blobs/sha256/".length())
          : "sha256:" + name.substring(0, name.indexOf('.'));
      if (!actual.equals(expected)) {
        throw new IOException("layer " + path + " has digest " + actual + ", not " + expected
            + " as its LayerBlob says");
      }
    }
  }

  private static String hex(String digest) {
    return digest.substring("sha256:".length());
  }
}
