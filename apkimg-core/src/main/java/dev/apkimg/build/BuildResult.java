package dev.apkimg.build;

import dev.apkimg.rootfs.ScriptReport;
import java.nio.file.Path;
import java.util.List;

/**
 * What a build produced: the archive, its digests and sizes, what was installed, and what became
 * of the install scripts (lines carried out on the image, lines not).
 */
public record BuildResult(
    Path output,
    String arch,
    String imageReference,
    String manifestDigest,
    String layerDigest,
    String layerDiffId,
    long layerSize,
    List<InstalledPackage> packages,
    List<ScriptReport> scripts) {

  public BuildResult {
    packages = List.copyOf(packages);
    scripts = List.copyOf(scripts);
  }

  /** The scripts with at least one line not carried out ({@code NAME-VERSION.post-install}). */
  public List<String> skippedScripts() {
    return scripts.stream().filter(s -> !s.notCarriedOut().isEmpty()).map(ScriptReport::script).toList();
  }

  /** One installed package. */
  public record InstalledPackage(String name, String version, String arch) {}
}
