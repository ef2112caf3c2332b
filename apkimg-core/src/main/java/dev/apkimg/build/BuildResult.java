package dev.apkimg.build;

import java.nio.file.Path;
import java.util.List;

/** What a build produced: the archive, its digests and sizes, and what was installed. */
public record BuildResult(
    Path output,
    String arch,
    String imageReference,
    String manifestDigest,
    String layerDigest,
    String layerDiffId,
    long layerSize,
    List<InstalledPackage> packages,
    List<String> skippedScripts) {

  public BuildResult {
    packages = List.copyOf(packages);
    skippedScripts = List.copyOf(skippedScripts);
  }

  /** One installed package. */
  public record InstalledPackage(String name, String version, String arch) {}
}
