package dev.apkimg.build;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.apkimg.ApkimgException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The files a CI step reads after a build: {@code --metadata-file} (JSON: digest, tags, per
 * architecture manifest, platform, sizes and installed packages) and {@code --digest-file} (the
 * digest and a newline). Both written atomically.
 */
public final class BuildMetadata {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private BuildMetadata() {}

  /** The metadata document. */
  public static ObjectNode toJson(BuildResult result) {
    ObjectNode root = JSON.createObjectNode();
    root.put("digest", result.digest());
    root.put("mediaType", result.mediaType());
    root.put("tag", result.imageReference());
    ArrayNode tags = root.putArray("pushed");
    result.pushed().forEach(tags::add);
    if (result.output() != null) {
      root.put("archive", result.output().toString());
    }
    root.put("loaded", result.loaded());
    root.put("compressedSize", result.images().stream().mapToLong(BuildResult.ArchImage::compressedSize).sum());
    root.put("uncompressedSize", result.images().stream().mapToLong(BuildResult.ArchImage::uncompressedSize).sum());
    ArrayNode images = root.putArray("images");
    for (BuildResult.ArchImage image : result.images()) {
      ObjectNode i = images.addObject();
      i.put("arch", image.arch());
      i.put("platform", image.platform());
      i.put("manifestDigest", image.manifestDigest());
      i.put("configDigest", image.configDigest());
      i.put("layerDigest", image.layerDigest());
      i.put("layerDiffId", image.layerDiffId());
      i.put("compressedSize", image.compressedSize());
      i.put("uncompressedSize", image.uncompressedSize());
      ArrayNode packages = i.putArray("packages");
      for (BuildResult.InstalledPackage p : image.packages()) {
        packages.addObject().put("name", p.name()).put("version", p.version()).put("arch", p.arch());
      }
    }
    return root;
  }

  public static void writeMetadata(BuildResult result, Path file) {
    try {
      write(file, JSON.writeValueAsBytes(toJson(result)));
    } catch (IOException e) {
      throw new ApkimgException("cannot write metadata file " + file + ": " + e.getMessage(), e);
    }
  }

  public static void writeDigest(BuildResult result, Path file) {
    write(file, (result.digest() + "\n").getBytes(StandardCharsets.US_ASCII));
  }

  private static void write(Path file, byte[] bytes) {
    Path target = file.toAbsolutePath();
    try {
      Files.createDirectories(target.getParent());
      Path temporary = target.resolveSibling("." + target.getFileName() + ".tmp");
      Files.write(temporary, bytes);
      try {
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new ApkimgException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
