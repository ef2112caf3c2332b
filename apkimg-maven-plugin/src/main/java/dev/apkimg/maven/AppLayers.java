package dev.apkimg.maven;

import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.maven.artifact.Artifact;

/**
 * The application as jib lays it out, one layer per rate of change so that a code change
 * re-pushes only the small layer: release dependencies, snapshot dependencies, resources,
 * classes. Every entry has a fixed time and mode, so an unchanged project gives the same layers.
 */
final class AppLayers {
  // jib's own default for application files: 1 s after the epoch, not the build machine's mtime.
  static final Instant FILE_TIME = FileEntriesLayer.DEFAULT_MODIFICATION_TIME;

  /** One layer and how many files it holds; empty layers are left out of the image. */
  record Layer(String name, FileEntriesLayer layer, int files) {}

  private AppLayers() {}

  static List<Layer> of(List<Artifact> dependencies, Path outputDirectory, AbsoluteUnixPath appRoot)
      throws IOException {
    AbsoluteUnixPath libs = appRoot.resolve("libs");
    List<Artifact> sorted = new ArrayList<>(dependencies);
    sorted.sort(Comparator.comparing(Artifact::getGroupId).thenComparing(Artifact::getArtifactId)
        .thenComparing(a -> a.getFile().getName()));
    Map<String, Long> nameCounts = sorted.stream()
        .collect(Collectors.groupingBy(a -> a.getFile().getName(), Collectors.counting()));

    FileEntriesLayer.Builder releases = FileEntriesLayer.builder().setName("dependencies");
    FileEntriesLayer.Builder snapshots = FileEntriesLayer.builder().setName("snapshot dependencies");
    int releaseCount = 0;
    int snapshotCount = 0;
    for (Artifact a : sorted) {
      String name = a.getFile().getName();
      // Two artifacts with the same file name (different groups) must not overwrite each other.
      if (nameCounts.get(name) > 1) {
        name = a.getGroupId() + "-" + name;
      }
      if (a.isSnapshot()) {
        add(snapshots, a.getFile().toPath(), libs.resolve(name));
        snapshotCount++;
      } else {
        add(releases, a.getFile().toPath(), libs.resolve(name));
        releaseCount++;
      }
    }

    FileEntriesLayer.Builder resources = FileEntriesLayer.builder().setName("resources");
    FileEntriesLayer.Builder classes = FileEntriesLayer.builder().setName("classes");
    int resourceCount = 0;
    int classCount = 0;
    if (Files.isDirectory(outputDirectory)) {
      List<Path> files;
      try (Stream<Path> walk = Files.walk(outputDirectory)) {
        files = walk.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
      }
      for (Path file : files) {
        String relative = outputDirectory.relativize(file).toString().replace('\\', '/');
        if (relative.endsWith(".class")) {
          add(classes, file, appRoot.resolve("classes").resolve(relative));
          classCount++;
        } else {
          add(resources, file, appRoot.resolve("resources").resolve(relative));
          resourceCount++;
        }
      }
    }

    List<Layer> layers = new ArrayList<>();
    addIfNotEmpty(layers, "dependencies", releases, releaseCount);
    addIfNotEmpty(layers, "snapshot dependencies", snapshots, snapshotCount);
    addIfNotEmpty(layers, "resources", resources, resourceCount);
    addIfNotEmpty(layers, "classes", classes, classCount);
    return layers;
  }

  /** The classpath in the image, in jib's order: resources, classes, then every jar. */
  static String classpath(AbsoluteUnixPath appRoot) {
    return appRoot.resolve("resources") + ":" + appRoot.resolve("classes") + ":" + appRoot.resolve("libs") + "/*";
  }

  private static void add(FileEntriesLayer.Builder layer, Path source, AbsoluteUnixPath target) {
    layer.addEntry(source, target, FilePermissions.DEFAULT_FILE_PERMISSIONS, FILE_TIME);
  }

  private static void addIfNotEmpty(List<Layer> layers, String name, FileEntriesLayer.Builder builder, int files) {
    if (files > 0) {
      layers.add(new Layer(name, builder.build(), files));
    }
  }
}
