package dev.apkimg.maven;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.TarImage;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.plugins.annotations.ResolutionScope;

/** Writes the image as a tar ({@code target/apkimg.tar}): OCI layout, or {@code docker load} format. */
@Mojo(name = "buildTar", requiresDependencyResolution = ResolutionScope.RUNTIME, threadSafe = true)
public class BuildTarMojo extends AbstractApkimgMojo {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Where the tar goes. */
  @Parameter(property = "apkimg.tarPath", defaultValue = "${project.build.directory}/apkimg.tar")
  File tarPath;

  @Override
  String goal() {
    return "buildTar";
  }

  @Override
  String defaultImage() {
    return project.getArtifactId() + ":" + project.getVersion();
  }

  @Override
  Containerizer containerizer(ImageReference reference) {
    // The base is a local tar and the target a file: nothing needs the network.
    return Containerizer.to(TarImage.at(tarPath.toPath()).named(reference)).setOfflineMode(true);
  }

  /** The tar's path and, read back from it, every layer's digest in image order. */
  @Override
  void describe(ObjectNode metadata) throws IOException {
    metadata.put("tar", tarPath.getAbsolutePath());
    ArrayNode layers = (ArrayNode) metadata.get("layers");
    try (TarFile tar = new TarFile(tarPath)) {
      TarArchiveEntry index = find(tar, "index.json");
      if (index == null) {
        return; // Docker format: layer files are named by jib, not by digest
      }
      JsonNode manifestRef = read(tar, index).path("manifests").path(0);
      String manifestName = "blobs/sha256/" + manifestRef.path("digest").asText().replace("sha256:", "");
      TarArchiveEntry manifestEntry = find(tar, manifestName);
      if (manifestEntry == null) {
        return;
      }
      JsonNode manifestLayers = read(tar, manifestEntry).path("layers");
      for (int i = 0; i < manifestLayers.size() && i < layers.size(); i++) {
        ((ObjectNode) layers.get(i)).put("digest", manifestLayers.get(i).path("digest").asText())
            .put("size", manifestLayers.get(i).path("size").asLong());
      }
    }
  }

  private static TarArchiveEntry find(TarFile tar, String name) {
    return tar.getEntries().stream().filter(e -> e.getName().equals(name)).findFirst().orElse(null);
  }

  private static JsonNode read(TarFile tar, TarArchiveEntry entry) throws IOException {
    try (InputStream in = tar.getInputStream(entry)) {
      return JSON.readTree(in);
    }
  }
}
