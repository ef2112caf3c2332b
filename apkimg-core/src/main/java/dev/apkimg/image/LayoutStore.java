package dev.apkimg.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * An OCI image layout, in a tar ({@code apkimg build -o x.tar}, {@code skopeo copy ... oci-archive:x.tar})
 * or a folder ({@code oci:DIR}): the image is the {@code index.json} entry named by {@code ref.name}, or
 * its only image; the artifacts attached to it are the other entries whose manifest names it as {@code
 * subject}, as apkimg and oras write them. Blobs are found by digest only (the digest's form is checked,
 * so nothing from the layout becomes a path), and checked against it.
 */
final class LayoutStore implements ArtifactStore {
  private static final String REF_NAME = "org.opencontainers.image.ref.name";

  private final Path path;
  private final String ref;
  private final TarFile tar;
  private final Map<String, TarArchiveEntry> entries = new HashMap<>();
  private final Map<String, byte[]> manifests = new HashMap<>();
  private List<JsonNode> listed;
  private String topDigest;

  private LayoutStore(Path path, String ref, TarFile tar) {
    this.path = path;
    this.ref = ref;
    this.tar = tar;
    if (tar != null) {
      for (TarArchiveEntry e : tar.getEntries()) {
        if (e.isFile()) {
          // The last of two entries of one name wins, as when the tar is unpacked; digests are checked anyway.
          entries.put(normalized(e.getName()), e);
        }
      }
    }
  }

  /** The layout in the tar {@code file}; {@code ref}: the {@code ref.name} of the image, or null. */
  static LayoutStore archive(Path file, String ref) throws IOException {
    TarFile tar;
    try {
      tar = new TarFile(file);
    } catch (IOException e) {
      throw new IOException(file + " is not a readable tar archive (" + RegistryPush.oneLine(e)
          + "): name an OCI archive, an OCI layout folder or a registry reference", e);
    }
    return new LayoutStore(file, ref, tar);
  }

  /** The layout in the folder {@code dir}. */
  static LayoutStore folder(Path dir, String ref) {
    return new LayoutStore(dir, ref, null);
  }

  @Override
  public String name() {
    return (tar != null ? "archive " : "folder ") + path;
  }

  @Override
  public String kind() {
    return tar != null ? "archive" : "folder";
  }

  @Override
  public Top top() throws IOException {
    List<JsonNode> all = index();
    List<JsonNode> images = new ArrayList<>();
    Set<String> names = new LinkedHashSet<>();
    for (JsonNode entry : all) {
      String name = entry.path("annotations").path(REF_NAME).asText("");
      if (!name.isEmpty()) {
        names.add(name);
      }
      if (ref != null ? ref.equals(name) : !entry.has("artifactType") && !hasSubject(entry)) {
        images.add(entry);
      }
    }
    if (images.isEmpty()) {
      throw new IOException(ref != null
          ? name() + " names no image '" + ArtifactStore.clip(ref) + "'" + (names.isEmpty() ? "" : " (it names "
              + String.join(", ", names.stream().map(ArtifactStore::clip).toList()) + ")")
          : name() + " holds no image in its index.json");
    }
    if (images.size() > 1 && ref == null) {
      throw new IOException(name() + " holds several images" + (names.isEmpty() ? "" : " ("
          + String.join(", ", names.stream().map(ArtifactStore::clip).toList()) + ")")
          + ": name one, as " + (tar != null ? "oci-archive:" : "oci:") + path + ":NAME");
    }
    JsonNode image = images.get(0);
    topDigest = checkedDigest(image.path("digest").asText(null));
    return new Top(topDigest, manifest(topDigest, image.path("size").asLong(-1)));
  }

  private boolean hasSubject(JsonNode entry) throws IOException {
    if (!PlatformImage.OCI_MANIFEST.equals(entry.path("mediaType").asText())) {
      return false;
    }
    JsonNode m = PlatformImage.JSON.readTree(manifest(checkedDigest(entry.path("digest").asText(null)),
        entry.path("size").asLong(-1)));
    return m != null && m.has("subject");
  }

  @Override
  public byte[] manifest(String digest, long size) throws IOException {
    byte[] known = manifests.get(digest);
    if (known == null) {
      known = blob(digest, size, MAX_MANIFEST_BYTES);
      manifests.put(digest, known);
    } else if (size >= 0 && known.length != size) {
      verified(known, digest, size);
    }
    return known;
  }

  @Override
  public byte[] blob(String digest, long size, int max) throws IOException {
    String name = "blobs/sha256/" + checkedDigest(digest).substring("sha256:".length());
    byte[] bytes = read(name, max);
    if (bytes == null) {
      throw new IOException(name() + " lacks the blob " + digest + " that it lists: the " + kind() + " is incomplete");
    }
    return verified(bytes, digest, size);
  }

  @Override
  public List<JsonNode> referrers(String subjectDigest) throws IOException {
    List<JsonNode> candidates = new ArrayList<>();
    for (JsonNode entry : index()) {
      String digest = entry.path("digest").asText("");
      String mediaType = entry.path("mediaType").asText(PlatformImage.OCI_MANIFEST);
      if (!digest.equals(topDigest) && !digest.equals(subjectDigest) && mediaType.equals(PlatformImage.OCI_MANIFEST)) {
        candidates.add(entry);
      }
    }
    return candidates;
  }

  /** The entries of {@code index.json}: descriptors with a digest. */
  private List<JsonNode> index() throws IOException {
    if (listed != null) {
      return listed;
    }
    byte[] bytes = read("index.json", MAX_MANIFEST_BYTES);
    if (bytes == null) {
      throw new IOException(name() + " has no index.json: it is not an OCI image layout"
          + (tar != null ? " (a docker save archive carries no attached artifacts)" : ""));
    }
    JsonNode index;
    try {
      index = PlatformImage.JSON.readTree(bytes);
    } catch (IOException e) {
      throw new IOException("the index.json of " + name() + " is not JSON: " + RegistryPush.oneLine(e), e);
    }
    if (index == null || !index.path("manifests").isArray()) {
      throw new IOException("the index.json of " + name() + " is not an OCI image index (no manifests list)");
    }
    listed = new ArrayList<>();
    for (JsonNode entry : index.path("manifests")) {
      if (entry.isObject() && entry.path("digest").isTextual()) {
        listed.add(entry);
      }
    }
    return listed;
  }

  /** The bytes of the layout's file {@code name}, at most {@code max}; null when there is none. */
  private byte[] read(String name, int max) throws IOException {
    if (tar != null) {
      TarArchiveEntry entry = entries.get(name);
      if (entry == null) {
        return null;
      }
      if (entry.getSize() > max) {
        throw tooLarge(name, max);
      }
      try (InputStream in = tar.getInputStream(entry)) {
        return bounded(in, name, max);
      }
    }
    Path file = path.resolve(name);
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try (InputStream in = Files.newInputStream(file)) {
      return bounded(in, name, max);
    }
  }

  private byte[] bounded(InputStream in, String name, int max) throws IOException {
    byte[] bytes = in.readNBytes(max + 1);
    if (bytes.length > max) {
      throw tooLarge(name, max);
    }
    return bytes;
  }

  private IOException tooLarge(String name, int max) {
    return new IOException(name + " in " + name() + " is larger than " + (max >> 20)
        + " MiB, more than apkimg reads for it: the " + kind() + " is damaged or hostile");
  }

  private static String normalized(String name) {
    String n = name;
    while (n.startsWith("./")) {
      n = n.substring(2);
    }
    return n;
  }

  @Override
  public void close() throws IOException {
    if (tar != null) {
      tar.close();
    }
  }
}
