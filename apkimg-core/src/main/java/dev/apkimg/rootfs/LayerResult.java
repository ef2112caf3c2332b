package dev.apkimg.rootfs;

import java.nio.file.Path;
import java.util.List;

/**
 * The written layer: its gzip file, {@code sha256:} digests of the compressed bytes and of the tar
 * (the diff ID), size, entry count, and the install scripts that were not run.
 */
public record LayerResult(
    Path file, String digest, String diffId, long size, long uncompressedSize, int entries,
    List<String> skippedScripts) {
  public LayerResult {
    skippedScripts = List.copyOf(skippedScripts);
  }
}
