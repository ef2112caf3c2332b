package dev.apkimg.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.apkimg.ApkimgException;
import dev.apkimg.OutputFiles;
import dev.apkimg.api.BuildResult;
import dev.apkimg.image.PushReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The files a CI step reads after a build, whichever front end ran it: the metadata file (JSON:
 * digest, tags, per architecture manifest, platform, sizes and installed packages; the schema
 * README.md documents) and the digest file (the digest and a newline). Staged with the build's
 * other outputs and committed with them.
 */
final class BuildMetadata {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private BuildMetadata() {}

  /** The metadata document. */
  static ObjectNode toJson(BuildResult result) {
    return toJson(result, List.of(), null, List.of());
  }

  /**
   * The metadata document, listing the SBOMs ({@code sboms[]}) and the provenance documents
   * ({@code provenance[]}) of {@code sboms}: the file each was written to in {@code sbomDir} (when
   * set) and the digest of the referrer that attaches it in the archive ({@code referrerDigests}, in
   * the same order, or empty).
   */
  static ObjectNode toJson(BuildResult result, List<SbomStep.Document> sboms, Path sbomDir,
      List<String> referrerDigests) {
    ObjectNode root = JSON.createObjectNode();
    root.put("digest", result.digest());
    root.put("mediaType", result.mediaType());
    root.put("tag", result.imageReference());
    ArrayNode tags = root.putArray("pushed");
    result.pushed().forEach(tags::add);
    ArrayNode pushes = root.putArray("pushes");
    for (PushReport push : result.pushes()) {
      ObjectNode p = pushes.addObject();
      p.put("reference", push.reference());
      p.putObject("blobs").put("uploaded", push.uploaded()).put("uploadedBytes", push.uploadedBytes())
          .put("reused", push.reused()).put("mounted", push.mounted());
      if (push.referrers() != null) {
        p.put("referrers", push.referrers().label());
      }
    }
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
    // The SBOMs in sboms[], the provenance documents in provenance[]: the same fields in each.
    ArrayNode files = null;
    ArrayNode provenance = null;
    for (int i = 0; i < sboms.size(); i++) {
      SbomStep.Document sbom = sboms.get(i);
      ArrayNode list;
      if (sbom.provenance()) {
        list = provenance != null ? provenance : (provenance = JSON.createArrayNode());
      } else {
        list = files != null ? files : (files = root.putArray("sboms"));
      }
      ObjectNode entry = list.addObject();
      if (sbom.arch() != null) {
        entry.put("arch", sbom.arch());
      } else {
        entry.put("subject", "index"); // the image index's SBOM, not one platform's
      }
      entry.put("format", sbom.format()).put("mediaType", sbom.mediaType());
      if (sbomDir != null) {
        entry.put("file", sbomDir.resolve(sbom.fileName()).toString());
      }
      entry.put("sha256", sbom.sha256());
      if (!referrerDigests.isEmpty()) {
        entry.put("referrerDigest", referrerDigests.get(i));
      }
    }
    if (provenance != null) {
      root.set("provenance", provenance);
    }
    return root;
  }

  /** Writes the metadata into {@code files}, to be committed with the command's other outputs. */
  static void stageMetadata(BuildResult result, Path file, OutputFiles files) {
    stageMetadata(result, List.of(), null, List.of(), file, files);
  }

  /** As above, with the SBOMs (see {@link #toJson(BuildResult, List, Path, List)}). */
  static void stageMetadata(BuildResult result, List<SbomStep.Document> sboms, Path sbomDir,
      List<String> referrerDigests, Path file, OutputFiles files) {
    byte[] bytes;
    try {
      bytes = JSON.writeValueAsBytes(toJson(result, sboms, sbomDir, referrerDigests));
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialise the build metadata", e);
    }
    stage(file, bytes, files, "metadata file");
  }

  /** Writes the digest into {@code files}, to be committed with the command's other outputs. */
  static void stageDigest(BuildResult result, Path file, OutputFiles files) {
    stage(file, (result.digest() + "\n").getBytes(StandardCharsets.US_ASCII), files, "digest file");
  }

  private static void stage(Path file, byte[] bytes, OutputFiles files, String what) {
    try {
      files.writeStaged(files.stage(file), f -> Files.write(f, bytes));
    } catch (IOException e) {
      throw new ApkimgException("cannot write " + what + " " + file + ": " + e.getMessage(), e);
    }
  }
}
