package dev.apkimg.maven;

import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import dev.apkimg.sbom.ImageFacts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The application as jib lays it out, one layer per rate of change so that a code change
 * re-pushes only the small layer: release dependencies, snapshot dependencies, resources,
 * classes, then the classpath and main class files. Every entry has a fixed time and mode, so an
 * unchanged project gives the same layers.
 *
 * <p>The classpath lists every jar in Maven's dependency order (the order {@code mvn exec:java}
 * and the test runs use), not {@code libs/*}, whose order is the file system's: with two jars
 * holding the same class, the image would otherwise run whichever the JVM happens to list first.
 */
final class AppLayers {
  /** One layer and how many files it holds; empty layers are left out of the image. */
  record Layer(String name, FileEntriesLayer layer, int files) {}

  /**
   * A dependency jar: its group (to tell same-named jars apart), its file, whether it is a snapshot,
   * and the rest of its Maven coordinates for the SBOM (null: not known).
   */
  record Jar(String groupId, Path file, boolean snapshot, Coordinates maven) {
    Jar(String groupId, Path file, boolean snapshot) {
      this(groupId, file, snapshot, null);
    }

    String fileName() {
      return file.getFileName().toString();
    }
  }

  /** A jar's Maven coordinates besides its group, and the scope it was resolved in. */
  record Coordinates(String artifactId, String version, String type, String classifier, String scope) {}

  /** The layers, and the classpath in the image in the order the JVM searches it. */
  record App(List<Layer> layers, List<String> classpath) {}

  private AppLayers() {}

  /**
   * @param jars the runtime dependencies in Maven's order
   * @param extraClasspath paths in the image put first on the classpath
   * @param mainClass written to {@code APPROOT/jib-main-class-file}, or {@code null} for none
   * @param workDir where the classpath and main class files are written before they go in a layer
   */
  static App of(List<Jar> jars, Path outputDirectory, String appRoot, Instant fileTime,
      List<String> extraClasspath, String mainClass, Path workDir) throws IOException {
    AbsoluteUnixPath root = AbsoluteUnixPath.get(appRoot);
    AbsoluteUnixPath libs = root.resolve("libs");
    Map<Jar, String> names = names(jars);

    FileEntriesLayer.Builder releases = FileEntriesLayer.builder().setName("dependencies");
    FileEntriesLayer.Builder snapshots = FileEntriesLayer.builder().setName("snapshot dependencies");
    int releaseCount = 0;
    int snapshotCount = 0;
    // Layer entries sorted by name: the layer's bytes do not depend on the dependency order.
    List<Jar> sorted = new ArrayList<>(jars);
    sorted.sort(Comparator.comparing(names::get));
    for (Jar jar : sorted) {
      AbsoluteUnixPath target = libs.resolve(names.get(jar));
      if (jar.snapshot()) {
        add(snapshots, jar.file(), target, fileTime);
        snapshotCount++;
      } else {
        add(releases, jar.file(), target, fileTime);
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
          add(classes, file, root.resolve("classes").resolve(relative), fileTime);
          classCount++;
        } else {
          add(resources, file, root.resolve("resources").resolve(relative), fileTime);
          resourceCount++;
        }
      }
    }

    List<String> classpath = new ArrayList<>(extraClasspath);
    classpath.add(root.resolve("resources").toString());
    classpath.add(root.resolve("classes").toString());
    jars.forEach(jar -> classpath.add(libs.resolve(names.get(jar)).toString()));

    List<Layer> layers = new ArrayList<>();
    addIfNotEmpty(layers, "dependencies", releases, releaseCount);
    addIfNotEmpty(layers, "snapshot dependencies", snapshots, snapshotCount);
    addIfNotEmpty(layers, "resources", resources, resourceCount);
    addIfNotEmpty(layers, "classes", classes, classCount);
    if (mainClass != null) {
      // jib's files: java -cp @/app/jib-classpath-file $(cat /app/jib-main-class-file) in scripts.
      FileEntriesLayer.Builder argFiles = FileEntriesLayer.builder().setName("jvm arg files");
      Files.createDirectories(workDir);
      Path classpathFile = workDir.resolve("jib-classpath-file");
      Files.writeString(classpathFile, String.join(":", classpath), StandardCharsets.UTF_8);
      Path mainClassFile = workDir.resolve("jib-main-class-file");
      Files.writeString(mainClassFile, mainClass, StandardCharsets.UTF_8);
      add(argFiles, classpathFile, root.resolve("jib-classpath-file"), fileTime);
      add(argFiles, mainClassFile, root.resolve("jib-main-class-file"), fileTime);
      layers.add(new Layer("jvm arg files", argFiles.build(), 2));
    }
    return new App(layers, classpath);
  }

  /** Each jar's file name in the image's libs folder. */
  private static Map<Jar, String> names(List<Jar> jars) {
    Map<String, Long> nameCounts = jars.stream().collect(Collectors.groupingBy(Jar::fileName, Collectors.counting()));
    // Two artifacts with the same file name (different groups) must not overwrite each other.
    Map<Jar, String> names = new LinkedHashMap<>();
    for (Jar jar : jars) {
      names.put(jar, nameCounts.get(jar.fileName()) > 1 ? jar.groupId() + "-" + jar.fileName() : jar.fileName());
    }
    return names;
  }

  /**
   * The jars as the SBOM lists them, in Maven's order: coordinates, scope, where {@link #of} puts
   * each in the image, and the SHA-256 of the file that goes into the layer, read as a stream.
   */
  static List<ImageFacts.Component> components(List<Jar> jars, String appRoot) throws IOException {
    AbsoluteUnixPath libs = AbsoluteUnixPath.get(appRoot).resolve("libs");
    Map<Jar, String> names = names(jars);
    List<ImageFacts.Component> components = new ArrayList<>();
    for (Jar jar : jars) {
      Coordinates m = jar.maven();
      if (m == null) {
        throw new IllegalArgumentException("no Maven coordinates for " + jar.file());
      }
      components.add(new ImageFacts.Component(jar.groupId(), m.artifactId(), m.version(), m.type(),
          m.classifier() == null || m.classifier().isEmpty() ? null : m.classifier(), m.scope(), sha256(jar.file()),
          libs.resolve(names.get(jar)).toString()));
    }
    return components;
  }

  private static String sha256(Path file) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static void add(FileEntriesLayer.Builder layer, Path source, AbsoluteUnixPath target, Instant time) {
    layer.addEntry(source, target, FilePermissions.DEFAULT_FILE_PERMISSIONS, time);
  }

  private static void addIfNotEmpty(List<Layer> layers, String name, FileEntriesLayer.Builder builder, int files) {
    if (files > 0) {
      layers.add(new Layer(name, builder.build(), files));
    }
  }
}
