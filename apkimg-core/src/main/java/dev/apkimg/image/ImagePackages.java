package dev.apkimg.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.ApkimgException;
import dev.apkimg.Arch;
import dev.apkimg.apk.BoundedInputStream;
import dev.apkimg.apk.PackageNames;
import dev.apkimg.resolve.PackageChanges;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * The apk packages an image in an OCI archive has installed (its {@code lib/apk/db/installed},
 * from the topmost layer that has one) and the compressed sizes of its layers (from the
 * manifest), for {@code apkimg diff}. The archive is outside input: every JSON document used is
 * checked against its digest, and sizes are bounded.
 */
public final class ImagePackages {
  /** A JSON document (index, manifest) larger than this is refused. */
  static final int MAX_JSON = 4 << 20;
  /** All JSON documents kept while reading, together. */
  static final long MAX_JSON_TOTAL = 64L << 20;
  /** The installed database, uncompressed. */
  static final long MAX_INSTALLED = 64L << 20;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String INSTALLED = "lib/apk/db/installed";

  /** One layer: its digest and compressed size, as the manifest gives them. */
  public record Layer(String digest, long size) {}

  /**
   * @param platform the OCI platform read ({@code linux/amd64}), or "" when the archive does not say
   * @param packages the installed packages, sorted by name
   * @param layers the layers, bottom first
   */
  public record Contents(String platform, List<PackageChanges.Installed> packages, List<Layer> layers) {
    public Contents {
      packages = List.copyOf(packages);
      layers = List.copyOf(layers);
    }

    /** The compressed size of all layers. */
    public long layerBytes() {
      return layers.stream().mapToLong(Layer::size).sum();
    }
  }

  /** A multi-platform image was read without an architecture: the caller says how to choose one. */
  public static final class PlatformChoiceException extends ApkimgException {
    PlatformChoiceException(String message) {
      super(message);
    }
  }

  private ImagePackages() {}

  /** Reads an OCI archive; {@code arch} (apk or OCI name, or null) chooses a platform of a multi-platform image. */
  public static Contents read(Path archive, String arch) {
    try {
      Map<String, byte[]> small = jsonEntries(archive);
      byte[] top = small.get("index.json");
      if (top == null) {
        throw fail(archive, "it has no index.json (is it an OCI archive? a docker-archive is not read)");
      }
      JsonNode entry = image(archive, JSON.readTree(top), small, arch);
      String platform = platform(entry);
      JsonNode manifest = JSON.readTree(blob(archive, small, entry));
      List<Layer> layers = new ArrayList<>();
      for (JsonNode l : manifest.path("layers")) {
        String digest = l.path("digest").asText("");
        if (!digest.matches("sha256:[0-9a-f]{64}") || !l.path("size").canConvertToLong() || l.path("size").asLong() < 0) {
          throw fail(archive, "its manifest has a layer without a valid sha256 digest and size");
        }
        layers.add(new Layer(digest, l.path("size").asLong()));
      }
      byte[] installed = installedDatabase(archive, layers);
      if (installed == null) {
        throw fail(archive, "no layer has " + INSTALLED + " (the image was not made with apk)");
      }
      return new Contents(platform, parseInstalled(archive, installed), layers);
    } catch (IOException e) {
      throw fail(archive, e.getMessage());
    }
  }

  /** index.json and the small blobs (documents), by entry name; larger entries are skipped. */
  private static Map<String, byte[]> jsonEntries(Path archive) throws IOException {
    Map<String, byte[]> small = new HashMap<>();
    long total = 0;
    try (TarArchiveInputStream tar = new TarArchiveInputStream(new BufferedInputStream(Files.newInputStream(archive)))) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        String name = e.getName().startsWith("./") ? e.getName().substring(2) : e.getName();
        if (e.isFile() && e.getSize() <= MAX_JSON && (name.equals("index.json") || name.startsWith("blobs/sha256/"))) {
          total += e.getSize();
          if (total > MAX_JSON_TOTAL) {
            throw new IOException("its documents are larger than " + BoundedInputStream.describe(MAX_JSON_TOTAL));
          }
          small.put(name, tar.readNBytes((int) e.getSize()));
        }
      }
    }
    return small;
  }

  /** The image manifest's descriptor: the first entry that is no attached artifact, through an image index. */
  private static JsonNode image(Path archive, JsonNode index, Map<String, byte[]> small, String arch) throws IOException {
    List<JsonNode> entries = new ArrayList<>();
    for (JsonNode m : index.path("manifests")) {
      if (!m.hasNonNull("artifactType")) {
        entries.add(m);
      }
    }
    if (entries.isEmpty()) {
      throw fail(archive, "its index lists no image");
    }
    JsonNode first = entries.get(0);
    if (first.path("mediaType").asText("").endsWith("image.index.v1+json")
        || first.path("mediaType").asText("").endsWith("manifest.list.v2+json")) {
      return image(archive, JSON.readTree(blob(archive, small, first)), small, arch);
    }
    if (entries.size() == 1 && arch == null) {
      return first;
    }
    List<String> platforms = entries.stream().map(ImagePackages::platform).toList();
    if (arch == null) {
      throw new PlatformChoiceException("image archive " + archive + ": it has the platforms "
          + String.join(", ", platforms) + ": choose one architecture");
    }
    String wanted = Arch.of(arch).platform();
    for (JsonNode m : entries) {
      String p = platform(m);
      if (p.equals(wanted) || entries.size() == 1 && p.isEmpty()) {
        return m;
      }
    }
    throw fail(archive, "it has no " + wanted + " image (it has " + String.join(", ", platforms) + ")");
  }

  private static String platform(JsonNode descriptor) {
    JsonNode p = descriptor.path("platform");
    if (!p.isObject()) {
      return "";
    }
    return p.path("os").asText("") + "/" + p.path("architecture").asText("")
        + (p.hasNonNull("variant") ? "/" + p.path("variant").asText() : "");
  }

  /** A document by its descriptor, checked against its digest. */
  private static byte[] blob(Path archive, Map<String, byte[]> small, JsonNode descriptor) {
    String digest = descriptor.path("digest").asText("");
    if (!digest.matches("sha256:[0-9a-f]{64}")) {
      throw fail(archive, "a descriptor has no valid sha256 digest");
    }
    byte[] bytes = small.get("blobs/sha256/" + digest.substring("sha256:".length()));
    if (bytes == null) {
      throw fail(archive, "blob " + digest + " is missing (or larger than " + BoundedInputStream.describe(MAX_JSON) + ")");
    }
    if (!digest.equals("sha256:" + HexFormat.of().formatHex(sha256(bytes)))) {
      throw fail(archive, "blob " + digest + " does not match its digest");
    }
    return bytes;
  }

  /** The installed database of the topmost layer that has one; null if none has. */
  private static byte[] installedDatabase(Path archive, List<Layer> layers) throws IOException {
    Map<String, Integer> position = new HashMap<>();
    for (int i = 0; i < layers.size(); i++) {
      position.put("blobs/sha256/" + layers.get(i).digest().substring("sha256:".length()), i);
    }
    byte[] found = null;
    int foundAt = -1;
    try (TarArchiveInputStream tar = new TarArchiveInputStream(new BufferedInputStream(Files.newInputStream(archive)))) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        String name = e.getName().startsWith("./") ? e.getName().substring(2) : e.getName();
        Integer at = position.get(name);
        if (at == null || at < foundAt || !e.isFile()) {
          continue;
        }
        byte[] db = installedIn(tar);
        if (db != null) {
          found = db;
          foundAt = at;
        }
      }
    }
    return found;
  }

  /** {@code lib/apk/db/installed} of one gzipped layer, or null. */
  private static byte[] installedIn(InputStream layer) throws IOException {
    // The outer stream is the archive's: closing this tar would close it.
    TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(new NonClosing(layer), 1 << 16));
    TarArchiveEntry e;
    while ((e = tar.getNextEntry()) != null) {
      String name = e.getName().startsWith("./") ? e.getName().substring(2) : e.getName();
      name = name.startsWith("/") ? name.substring(1) : name;
      if (name.equals(INSTALLED) && e.isFile()) {
        if (e.getSize() > MAX_INSTALLED) {
          throw new IOException(INSTALLED + " is larger than " + BoundedInputStream.describe(MAX_INSTALLED));
        }
        return tar.readNBytes((int) e.getSize());
      }
    }
    return null;
  }

  /** P:, V: and C: of each package (blocks separated by blank lines); names and versions checked. */
  static List<PackageChanges.Installed> parseInstalled(Path archive, byte[] db) {
    List<PackageChanges.Installed> out = new ArrayList<>();
    String name = null;
    String version = null;
    String checksum = null;
    for (String line : (new String(db, StandardCharsets.UTF_8) + "\n\n").split("\n", -1)) {
      if (line.isEmpty()) {
        if (name != null || version != null) {
          if (!PackageNames.isValidName(name) || !PackageNames.isValidVersion(version)) {
            throw fail(archive, INSTALLED + " has a package with an invalid name or version: "
                + PackageNames.quote(name) + " " + PackageNames.quote(version));
          }
          out.add(new PackageChanges.Installed(name, version, checksum));
        }
        name = version = checksum = null;
      } else if (line.startsWith("P:")) {
        name = line.substring(2);
      } else if (line.startsWith("V:")) {
        version = line.substring(2);
      } else if (line.startsWith("C:")) {
        checksum = line.substring(2);
      }
    }
    out.sort(java.util.Comparator.comparing(PackageChanges.Installed::name));
    return out;
  }

  private static ApkimgException fail(Path archive, String why) {
    return new ApkimgException("image archive " + archive + ": " + why);
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A view that leaves the underlying stream open on close. */
  private static final class NonClosing extends java.io.FilterInputStream {
    NonClosing(InputStream in) {
      super(in);
    }

    @Override
    public void close() {}
  }
}
