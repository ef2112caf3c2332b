package dev.apkimg.rootfs;

import java.nio.file.Path;
import java.util.List;

/**
 * The written layer: its gzip file, {@code sha256:} digests of the compressed bytes and of the tar
 * (the diff ID), size, entry count, and what became of the packages' install scripts.
 */
public record LayerResult(
    Path file, String digest, String diffId, long size, long uncompressedSize, int entries,
    List<ScriptReport> scripts) {
  public LayerResult {
    scripts = List.copyOf(scripts);
  }

  /** The scripts with at least one line not carried out ({@code NAME-VERSION.post-install}). */
  public List<String> skippedScripts() {
    return scripts.stream().filter(s -> !s.notCarriedOut().isEmpty()).map(ScriptReport::script).toList();
  }
}
