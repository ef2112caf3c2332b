package dev.apkimg.maven;

import com.google.cloud.tools.jib.api.JibContainerBuilder;
import dev.apkimg.ApkimgException;
import dev.apkimg.api.BaseImage;
import dev.apkimg.api.BuildResult;
import dev.apkimg.image.ImageConfig;
import dev.apkimg.image.PlatformImage;
import dev.apkimg.image.RootfsImage;
import dev.apkimg.sbom.ImageFacts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * The application's images: on each platform of the bases, the application's layers and its
 * configuration ({@link ContainerSettings#imageConfig}), assembled by {@link PlatformImage} as
 * the CLI's images are, so that the profile's stop signal, variant and annotations stay.
 *
 * @param images one per platform, in the bases' order
 * @param annotations the manifests' and the index's annotations
 * @param platforms the bases' platforms with the application's configuration, for the metadata
 */
record AppImages(List<PlatformImage> images, Map<String, String> annotations, List<BaseImage.Platform> platforms) {
  static final String CREATED = "org.opencontainers.image.created";

  /** The image to publish under {@code tag}, with {@code application} for its SBOMs (null: none). */
  BaseImage base(String tag, ImageFacts.Application application) {
    return new BaseImage(tag, annotations, platforms, application);
  }

  /**
   * @param classpath the classpath of the java entrypoint, in order
   * @param workDir where the images' blobs are written; the caller deletes it
   */
  static AppImages assemble(List<BaseImage> bases, ContainerSettings settings, String mainClass,
      List<String> classpath, List<AppLayers.Layer> layers, Path workDir) throws IOException {
    List<BaseImage.Platform> platforms = new ArrayList<>();
    List<ImageConfig> configs = new ArrayList<>();
    for (BaseImage base : bases) {
      for (BaseImage.Platform platform : base.platforms()) {
        platforms.add(platform);
        configs.add(settings.imageConfig(platform.config(), mainClass, classpath));
      }
    }
    checkSameVersions(platforms);
    Map<String, String> annotations = annotations(bases, configs);
    List<PlatformImage> images = new ArrayList<>();
    List<BaseImage.Platform> published = new ArrayList<>();
    for (int i = 0; i < platforms.size(); i++) {
      BaseImage.Platform platform = platforms.get(i);
      RootfsImage rootfs = RootfsImage.create(platform.lowerLayers(), platform.lowerHistory(), platform.layer(),
          configs.get(i), workDir.resolve("image-" + i));
      JibContainerBuilder builder = rootfs.containerBuilder();
      layers.forEach(layer -> builder.addFileEntriesLayer(layer.layer()));
      PlatformImage image = PlatformImage.build(rootfs, builder, annotations);
      images.add(image);
      // In the metadata, uncompressedSize counts every layer, the application's too.
      // The base's SBOM and provenance facts stay with it.
      published.add(platform.withConfig(configs.get(i),
          platform.uncompressedSize() + appUncompressedSize(image, platform.lowerLayers().size() + 1)));
    }
    return new AppImages(images, annotations, published);
  }

  /**
   * One image index, one set of packages: as the CLI refuses architectures that install different
   * versions, so does the plugin, whose {@code <archs>} are built one by one.
   */
  static void checkSameVersions(List<BaseImage.Platform> platforms) {
    BaseImage.Platform first = platforms.get(0);
    Map<String, String> versions = new LinkedHashMap<>();
    first.packages().forEach(p -> versions.put(p.name(), p.version()));
    for (BaseImage.Platform other : platforms.subList(1, platforms.size())) {
      for (BuildResult.InstalledPackage p : other.packages()) {
        String version = versions.get(p.name());
        if (version != null && !version.equals(p.version())) {
          throw new ApkimgException("package " + p.name() + " differs between architectures: " + version + " for "
              + first.arch() + ", " + p.version() + " for " + other.arch() + " (every architecture must install the"
              + " same versions; pin it in contents.packages, e.g. " + p.name() + "=" + version + ")");
        }
      }
    }
  }

  /**
   * The bases' annotations (the profile's, vcs-url's, the creation time), with the creation time
   * of the image as configured: {@code <creationTime>} changes the annotation as it changes the
   * configuration, unless the profile set the annotation itself.
   */
  static Map<String, String> annotations(List<BaseImage> bases, List<ImageConfig> configs) {
    Map<String, String> annotations = new LinkedHashMap<>(bases.get(0).annotations());
    String recorded = annotations.get(CREATED);
    boolean fromBase = recorded == null || bases.stream().anyMatch(b -> recorded.equals(
        newest(b.platforms().stream().map(p -> p.config().created()).toList()).toString()));
    if (fromBase) {
      annotations.put(CREATED, newest(configs.stream().map(ImageConfig::created).toList()).toString());
    }
    return annotations;
  }

  private static Instant newest(List<Instant> times) {
    return times.stream().max(Instant::compareTo).orElseThrow();
  }

  /**
   * The application layers' tar bytes, read back (jib compressed them); the base's are known, and
   * reading them back would inflate every package layer on every build.
   */
  private static long appUncompressedSize(PlatformImage image, int baseLayers) throws IOException {
    long total = 0;
    List<PlatformImage.Layer> all = image.layers();
    for (PlatformImage.Layer layer : all.subList(Math.min(baseLayers, all.size()), all.size())) {
      try (InputStream in = new GZIPInputStream(layer.open(), 1 << 16)) {
        total += in.transferTo(OutputStream.nullOutputStream());
      }
    }
    return total;
  }
}
