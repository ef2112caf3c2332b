package dev.apkimg.api;

import dev.apkimg.image.ImageConfig;
import dev.apkimg.image.LayerBlob;
import dev.apkimg.rootfs.ScriptReport;
import dev.apkimg.sbom.ImageFacts;
import dev.apkimg.sbom.ProvenanceFacts;
import java.util.List;
import java.util.Map;

/**
 * A profile built up to the image, per architecture: what a front end puts its own layers on
 * (the Maven plugin: the application) before {@link Apkimg#publish}.
 *
 * @param reference the image name: the request's, else one made from the profile's file name
 * @param annotations the profile's manifest and index annotations (with vcs-url and the creation time)
 * @param platforms one per architecture, in the profile's order
 * @param application what a front end put on the base (the Maven plugin: the application and its
 *     jars), for the SBOMs; null: nothing, or not known
 */
public record BaseImage(String reference, Map<String, String> annotations, List<Platform> platforms,
    ImageFacts.Application application) {
  public BaseImage {
    annotations = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(annotations));
    platforms = List.copyOf(platforms);
  }

  /** A base with nothing on it. */
  public BaseImage(String reference, Map<String, String> annotations, List<Platform> platforms) {
    this(reference, annotations, platforms, null);
  }

  /**
   * One architecture's base.
   *
   * @param arch the apk architecture, e.g. {@code aarch64}
   * @param layer the root filesystem layer, gzipped, in the caller's work folder
   * @param config the image configuration the profile asks for (entrypoint, user, labels, ports, ...)
   * @param uncompressedSize the uncompressed layer tar, in bytes
   * @param packages what was installed, in install order
   * @param scripts what became of each install script
   * @param lowerLayers with layering by packages, the package layers under {@code layer} (which is
   *     then the top layer), bottom first; else empty
   * @param lowerHistory one history line per lower layer
   * @param packageFacts what the SBOMs say of each installed package (licence, checksums, repository,
   *     dependencies), in install order; null when not known (then no SBOM can be made)
   * @param os the distribution the image's os-release names, for the SBOMs; null when it has none
   * @param provenance what the provenance owes to the base build (its inputs, and every package,
   *     index and key it read), for {@code ARCH.provenance.json}; null when not known (then the
   *     image gets SBOMs but no provenance)
   */
  public record Platform(String arch, LayerBlob layer, ImageConfig config, long uncompressedSize,
      List<BuildResult.InstalledPackage> packages, List<ScriptReport> scripts, List<LayerBlob> lowerLayers,
      List<String> lowerHistory, List<ImageFacts.InstalledPackage> packageFacts, ImageFacts.OperatingSystem os,
      ProvenanceFacts.Base provenance) {
    public Platform {
      packages = List.copyOf(packages);
      packageFacts = packageFacts == null ? null : List.copyOf(packageFacts);
      scripts = List.copyOf(scripts);
      lowerLayers = List.copyOf(lowerLayers);
      lowerHistory = List.copyOf(lowerHistory);
      if (lowerLayers.size() != lowerHistory.size()) {
        throw new IllegalArgumentException("one history line per lower layer");
      }
    }

    /** A platform whose provenance facts are not known. */
    public Platform(String arch, LayerBlob layer, ImageConfig config, long uncompressedSize,
        List<BuildResult.InstalledPackage> packages, List<ScriptReport> scripts, List<LayerBlob> lowerLayers,
        List<String> lowerHistory, List<ImageFacts.InstalledPackage> packageFacts, ImageFacts.OperatingSystem os) {
      this(arch, layer, config, uncompressedSize, packages, scripts, lowerLayers, lowerHistory, packageFacts, os, null);
    }

    /** This platform with the image configuration {@code config} and {@code uncompressedSize} (a front end's layers on it). */
    public Platform withConfig(ImageConfig config, long uncompressedSize) {
      return new Platform(arch, layer, config, uncompressedSize, packages, scripts, lowerLayers, lowerHistory,
          packageFacts, os, provenance);
    }

    /** A platform whose packages' SBOM facts are not known. */
    public Platform(String arch, LayerBlob layer, ImageConfig config, long uncompressedSize,
        List<BuildResult.InstalledPackage> packages, List<ScriptReport> scripts, List<LayerBlob> lowerLayers,
        List<String> lowerHistory) {
      this(arch, layer, config, uncompressedSize, packages, scripts, lowerLayers, lowerHistory, null, null);
    }

    /** A platform whose root filesystem is one layer. */
    public Platform(String arch, LayerBlob layer, ImageConfig config, long uncompressedSize,
        List<BuildResult.InstalledPackage> packages, List<ScriptReport> scripts) {
      this(arch, layer, config, uncompressedSize, packages, scripts, List.of(), List.of());
    }

    /** The scripts with at least one line not carried out ({@code NAME-VERSION.post-install}). */
    public List<String> skippedScripts() {
      return scripts.stream().filter(s -> !s.notCarriedOut().isEmpty()).map(ScriptReport::script).toList();
    }
  }
}
