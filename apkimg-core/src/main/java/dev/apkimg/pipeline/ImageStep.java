package dev.apkimg.pipeline;

import dev.apkimg.ApkimgException;
import dev.apkimg.api.BuildResult;
import dev.apkimg.image.LayerBlob;
import dev.apkimg.image.PlatformImage;
import dev.apkimg.image.RootfsImage;
import dev.apkimg.profile.ImageProfile;
import dev.apkimg.rootfs.LayerResult;
import dev.apkimg.rootfs.PackageSource;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Step 5: one OCI image per architecture, with the profile's annotations. */
final class ImageStep {
  private ImageStep() {}

  /** Every architecture must install the same versions: one image, one set of packages. */
  static void checkSameVersions(List<ArchBuild> builds) {
    ArchBuild first = builds.get(0);
    Map<String, String> versions = new TreeMap<>();
    first.sources.forEach(s -> versions.put(s.info().name(), s.info().version()));
    for (ArchBuild other : builds.subList(1, builds.size())) {
      for (PackageSource s : other.sources) {
        String version = versions.get(s.info().name());
        if (version != null && !version.equals(s.info().version())) {
          throw new ApkimgException("package " + s.info().name() + " differs between architectures: "
              + version + " for " + first.arch + ", " + s.info().version() + " for " + other.arch
              + " (every architecture must install the same versions; pin it in contents.packages, e.g. "
              + s.info().name() + "=" + version + ")");
        }
      }
    }
  }

  /** The image's creation time: the newest of the architectures'. */
  static Instant created(List<ArchBuild> builds) {
    return builds.stream().map(b -> b.config.created()).max(Instant::compareTo).orElseThrow();
  }

  /** The platform image of each architecture, its root filesystem the only layer. */
  static List<PlatformImage> images(BuildContext c, Map<String, String> annotations) {
    List<PlatformImage> images = new ArrayList<>();
    for (ArchBuild a : c.builds) {
      try {
        RootfsImage rootfs = a.packageLayers == null
            ? RootfsImage.create(layerBlob(a.layer), a.config, c.work.resolve("image-" + a.arch))
            : RootfsImage.create(lowerBlobs(a.packageLayers), lowerHistory(a.packageLayers),
                layerBlob(a.layer),
                a.config, c.work.resolve("image-" + a.arch));
        images.add(PlatformImage.build(rootfs, rootfs.containerBuilder(), annotations));
      } catch (IOException e) {
        throw new ApkimgException("cannot build the " + a.arch + " image: " + e.getMessage(), e);
      }
    }
    return images;
  }

  static List<LayerBlob> lowerBlobs(dev.apkimg.rootfs.PackageLayers p) {
    List<LayerBlob> blobs = new ArrayList<>();
    p.packages().forEach(l -> blobs.add(new LayerBlob(l.file(), l.digest(), l.diffId(), l.size(), l.offset())));
    p.sharedLayers().forEach(l -> blobs.add(layerBlob(l)));
    return blobs;
  }

  static List<String> lowerHistory(dev.apkimg.rootfs.PackageLayers p) {
    List<String> lines = new ArrayList<>();
    p.packages().forEach(l -> lines.add("apkimg: package " + l.source().info().name() + "-"
        + l.source().info().version() + " (its data stream, datahash " + l.digest().substring(7) + ")"));
    if (p.shared() != null) {
      lines.add("apkimg: packages beyond the layer budget, rebuilt into one layer: "
          + String.join(" ", p.sharedPackages()));
    }
    return lines;
  }

  static LayerBlob layerBlob(LayerResult layer) {
    return new LayerBlob(layer.file(), layer.digest(), layer.diffId(), layer.size());
  }

  static List<BuildResult.InstalledPackage> installed(List<PackageSource> sources) {
    return sources.stream()
        .map(p -> new BuildResult.InstalledPackage(p.info().name(), p.info().version(), p.info().arch()))
        .toList();
  }

  /**
   * Manifest and index annotations: the profile's, then apko's {@code vcs-url} ({@code URL@REV}
   * gives source and revision; a URL alone, source only, where apko sets nothing), then the
   * creation time, the build date.
   */
  static Map<String, String> annotations(ImageProfile profile, Instant created) {
    Map<String, String> annotations = new LinkedHashMap<>(profile.annotations());
    String vcs = profile.vcsUrl();
    if (vcs != null && !vcs.isBlank()) {
      // URL@REV: an '@' after the path and the scheme; git@host:org/repo has its '@' before them.
      int at = vcs.lastIndexOf('@');
      if (at > 0 && at < vcs.length() - 1 && at > vcs.lastIndexOf('/') && at > vcs.indexOf(':')) {
        annotations.put("org.opencontainers.image.source", vcs.substring(0, at));
        annotations.put("org.opencontainers.image.revision", vcs.substring(at + 1));
      } else {
        annotations.put("org.opencontainers.image.source", vcs);
      }
    }
    annotations.putIfAbsent("org.opencontainers.image.created", created.toString());
    return annotations;
  }
}
