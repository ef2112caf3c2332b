package dev.apkimg.build;

import dev.apkimg.image.ImageConfig;
import dev.apkimg.image.LayerBlob;
import java.util.List;

/**
 * A profile built up to the image: the root filesystem layer on disk (in the caller's work
 * directory), the image configuration the profile asks for, and what was installed.
 */
public record RootfsBuild(
    LayerBlob layer,
    ImageConfig config,
    String arch,
    List<BuildResult.InstalledPackage> packages,
    List<String> skippedScripts) {

  public RootfsBuild {
    packages = List.copyOf(packages);
    skippedScripts = List.copyOf(skippedScripts);
  }
}
