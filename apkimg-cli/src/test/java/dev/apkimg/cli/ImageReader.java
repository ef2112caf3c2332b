package dev.apkimg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/** Reads an OCI image archive apkimg wrote: the image configuration and the layer's entries. */
public record ImageReader(JsonNode config, Map<String, Entry> layer) {
  public record Entry(TarArchiveEntry header, byte[] content) {
    public String text() {
      return new String(content, StandardCharsets.UTF_8);
    }

    public int mode() {
      return header.getMode() & 07777;
    }

    public String owner() {
      return header.getLongUserId() + ":" + header.getLongGroupId();
    }
  }

  public static ImageReader read(Path archive) throws IOException {
    Map<String, byte[]> files = new HashMap<>();
    try (TarArchiveInputStream tar = new TarArchiveInputStream(Files.newInputStream(archive))) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        if (e.isFile()) {
          files.put(e.getName().replaceFirst("^\\./", ""), tar.readAllBytes());
        }
      }
    }
    ObjectMapper json = new ObjectMapper();
    JsonNode index = json.readTree(files.get("index.json"));
    JsonNode manifest = json.readTree(blob(files, index.path("manifests").get(0).path("digest").asText()));
    JsonNode config = json.readTree(blob(files, manifest.path("config").path("digest").asText()));
    byte[] layer = blob(files, manifest.path("layers").get(0).path("digest").asText());
    Map<String, Entry> entries = new LinkedHashMap<>();
    try (TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(new ByteArrayInputStream(layer)))) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        String name = e.getName().replaceFirst("/$", "");
        if (entries.put(name, new Entry(e, tar.readAllBytes())) != null) {
          throw new AssertionError("duplicate layer entry " + name);
        }
      }
    }
    return new ImageReader(config, entries);
  }

  public Entry get(String path) {
    Entry e = layer.get(path);
    if (e == null) {
      throw new AssertionError("no " + path + " in the layer");
    }
    return e;
  }

  private static byte[] blob(Map<String, byte[]> files, String digest) {
    byte[] b = files.get("blobs/" + digest.replace(':', '/'));
    if (b == null) {
      throw new AssertionError("no blob " + digest);
    }
    return b;
  }
}
