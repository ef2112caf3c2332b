package dev.apkimg.maven;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.testing.Prerequisites;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code apkimg:dockerBuild} of the sample app into a real Docker daemon (the one DOCKER_HOST
 * names; .ci/run starts one). The fixtures hold no musl JRE, so java cannot run in the image:
 * instead a shell in a container shows that the classes, resources and jars are where the
 * image's own entrypoint (read from {@code docker image inspect}, argument files followed) looks
 * for them, byte for byte as Maven built or resolved them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DockerBuildIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MAIN_CLASS = "it.app.Main";

  private Path docker;
  private SampleBuilds samples;
  private final String image = "apkimg-it/docker-build-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + ":1.0";
  private final String layeredImage = image.replace(":1.0", ":layered");
  private final List<String> loaded = new ArrayList<>();

  /** One line of the container's listing: a jar, a classpath folder, or a file in one. */
  record Found(String kind, String sha256, String path) {}

  @BeforeAll
  void setUp() throws Exception {
    docker = Prerequisites.requireDockerDaemon();
    samples = SampleBuilds.create("it-docker", "app");
  }

  @AfterAll
  void tearDown() throws Exception {
    try {
      for (String tag : loaded) {
        SampleBuilds.exec(List.of(docker.toString(), "image", "rm", "--force", tag), 60);
      }
    } finally {
      if (samples != null) {
        samples.close();
      }
    }
  }

  @Test
  void dockerBuildLoadsAnImageWhoseEntrypointFindsTheAppsClassesAndJars() throws Exception {
    loaded.add(image); // from here on, a failure may leave the image behind: remove it at the end
    SampleBuilds.Run build = samples.mvn("app", "package", "apkimg:dockerBuild", "-Dapkimg.to.image=" + image);
    assertThat(build.exit()).as(build.output()).isZero();

    JsonNode inspect = JSON.readTree(docker("image", "inspect", image)).get(0);
    String id = inspect.path("Id").asText();
    assertThat(id).matches("sha256:[0-9a-f]{64}");
    assertThat(reportedFiles(samples.project("app").resolve("target")))
        .as("a file the plugin wrote in target/ names the image ID Docker reports").anyMatch(text -> text.contains(id));
    JsonNode config = inspect.path("Config");
    assertThat(texts(config.path("Cmd"))).containsExactly("hello");
    assertThat(texts(config.path("Env"))).contains("APP_ENV=it");
    assertThat(config.path("ExposedPorts").has("8080/tcp")).isTrue();
    assertThat(config.path("Labels").path("team").asText()).isEqualTo("apkimg");

    // The apk base's shell runs in a container of the image.
    assertThat(shell("echo ok").output()).isEqualTo("ok\n");

    // The java command line as the container would run it: the entrypoint with its @argument files.
    List<String> entrypoint = texts(config.path("Entrypoint"));
    assertThat(entrypoint).as("entrypoint").isNotEmpty();
    assertThat(entrypoint.get(0)).as("entrypoint " + entrypoint).matches("(.*/)?java");
    String workDir = config.path("WorkingDir").asText("").isEmpty() ? "/" : config.path("WorkingDir").asText();
    List<String> javaArgs = new ArrayList<>();
    for (String arg : entrypoint.subList(1, entrypoint.size())) {
      if (arg.startsWith("@") && !arg.startsWith("@@")) {
        javaArgs.addAll(argumentFile(shell("cat \"$1\"", absolute(arg.substring(1), workDir)).output()));
      } else {
        javaArgs.add(arg);
      }
    }
    String classpath = null;
    String mainClass = null;
    for (int i = 0; i < javaArgs.size() && mainClass == null; i++) {
      String arg = javaArgs.get(i);
      if (List.of("-cp", "-classpath", "--class-path").contains(arg) && i + 1 < javaArgs.size()) {
        classpath = javaArgs.get(++i);
      } else if (arg.equals("-jar")) {
        throw new AssertionError("the entrypoint runs a jar, not the main class: " + javaArgs);
      } else if (!arg.startsWith("-")) {
        mainClass = arg;
      }
    }
    assertThat(mainClass).as("main class in " + javaArgs).isEqualTo(MAIN_CLASS);
    assertThat(classpath).as("classpath in " + javaArgs).isNotBlank();

    List<String> entries = Stream.of(classpath.split(":")).filter(e -> !e.isEmpty())
        .map(e -> absolute(e, workDir)).collect(Collectors.toList());
    List<Found> found = listClasspath(entries);
    assertThat(found).as("classpath entries missing in the image").noneMatch(f -> f.kind().equals("missing"));

    Path classes = samples.project("app").resolve("target/classes");
    assertThat(inClasspathFolder(found, "it/app/Main.class"))
        .as("the main class in a classpath folder, as compiled").contains(sha256(classes.resolve("it/app/Main.class")));
    assertThat(inClasspathFolder(found, "app.properties"))
        .as("the resource in a classpath folder, as copied").contains(sha256(classes.resolve("app.properties")));
    Path repo = samples.localRepository();
    assertThat(jar(found, "picocli-4.7.7.jar")).as("picocli on the classpath, as resolved")
        .contains(sha256(repo.resolve("info/picocli/picocli/4.7.7/picocli-4.7.7.jar")));
    String core = "apkimg-core-" + SampleBuilds.VERSION + ".jar";
    assertThat(jar(found, core)).as("the snapshot dependency on the classpath, as resolved")
        .contains(sha256(repo.resolve("dev/apkimg/apkimg-core/" + SampleBuilds.VERSION + "/" + core)));
  }

  /**
   * {@code -Dapkimg.layering=packages}: Docker loads one layer per installed package, the base's top
   * layer and the same application layers as the single-layer build's, and a container of it holds
   * the same files as one of the single-layer image (listed and hashed by the image's own busybox).
   */
  @Test
  void dockerBuildWithPackageLayersRunsTheSameFilesAsTheSingleLayerImage() throws Exception {
    loaded.add(image);
    SampleBuilds.Run single = samples.mvn("app", "package", "apkimg:dockerBuild", "-Dapkimg.to.image=" + image);
    assertThat(single.exit()).as(single.output()).isZero();
    loaded.add(layeredImage);
    SampleBuilds.Run layered = samples.mvn("app", "package", "apkimg:dockerBuild", "-Dapkimg.to.image=" + layeredImage,
        "-Dapkimg.layering=packages");
    assertThat(layered.exit()).as(layered.output()).isZero();
    int packages = JSON.readTree(samples.project("app").resolve("target/apkimg-image.json").toFile())
        .path("images").path(0).path("packages").size();
    assertThat(packages).as("packages of the base").isGreaterThan(2);

    List<String> singleLayers = texts(JSON.readTree(docker("image", "inspect", image)).get(0).path("RootFS").path("Layers"));
    List<String> layers = texts(JSON.readTree(docker("image", "inspect", layeredImage)).get(0).path("RootFS").path("Layers"));
    int appLayers = singleLayers.size() - 1;
    assertThat(appLayers).as("application layers of the single-layer image").isPositive();
    assertThat(layers).as("Docker's layers (diff IDs): packages, the base's top layer, the application's")
        .hasSize(packages + 1 + appLayers).doesNotHaveDuplicates();
    assertThat(layers.subList(packages + 1, layers.size())).isEqualTo(singleLayers.subList(1, singleLayers.size()));

    // Every path below / but what Docker mounts into each container (/proc, /sys, /dev and the
    // files of /etc it writes): type, mode, owner, link count, symlink target, and each file's
    // SHA-256, by the image's own busybox. Folder sizes are left out: they depend on how the storage
    // driver made the folder, not on the image.
    String list = """
        set -f
        mounted='! -path /proc ! -path /sys ! -path /dev ! -path /etc/hosts ! -path /etc/hostname
          ! -path /etc/resolv.conf ! -path /.dockerenv'
        find / -xdev $mounted -exec stat -c '%n %F %a %u:%g %h %N' {} + | sort
        find / -xdev -type f $mounted -exec sha256sum {} + | sort -k 2
        """;
    String singleFiles = shellIn(image, list).output();
    String layeredFiles = shellIn(layeredImage, list).output();
    assertThat(singleFiles).contains("/bin/busybox", "/app/classes/it/app/Main.class");
    List<String> onlySingle = new ArrayList<>(singleFiles.lines().toList());
    List<String> onlyLayered = new ArrayList<>(layeredFiles.lines().toList());
    onlySingle.removeAll(layeredFiles.lines().toList());
    onlyLayered.removeAll(singleFiles.lines().toList());
    assertThat(onlyLayered).as("lines only in the layered image's listing; only in the single-layer one's: "
        + onlySingle).isEmpty();
    assertThat(onlySingle).as("lines only in the single-layer image's listing").isEmpty();
    assertThat(shellIn(layeredImage, "echo ok").output()).isEqualTo("ok\n");
  }

  /**
   * Lists each classpath entry inside a container: a {@code DIR/*} wildcard gives the jars in DIR,
   * a folder gives itself and every file below it, a file gives itself; each file with its SHA-256.
   */
  private List<Found> listClasspath(List<String> entries) throws Exception {
    String script = """
        sum() { sha256sum < "$1" | cut -d' ' -f1; }
        for e in "$@"; do
          case "$e" in
            */\\*)
              for f in "${e%/\\*}"/*.jar "${e%/\\*}"/*.JAR; do
                if [ -f "$f" ]; then echo "jar $(sum "$f") $f"; fi
              done ;;
            *)
              if [ -d "$e" ]; then
                echo "dir - $e"
                find "$e" -type f | while read -r f; do echo "file $(sum "$f") $f"; done
              elif [ -f "$e" ]; then
                echo "jar $(sum "$e") $e"
              else
                echo "missing - $e"
              fi ;;
          esac
        done
        """;
    List<Found> found = new ArrayList<>();
    for (String line : shell(script, entries.toArray(String[]::new)).output().lines().collect(Collectors.toList())) {
      String[] parts = line.split(" ", 3);
      assertThat(parts).as("listing line '" + line + "'").hasSize(3);
      found.add(new Found(parts[0], parts[1], parts[2]));
    }
    return found;
  }

  /** SHA-256 of {@code relative} in the first classpath folder that has it, in classpath order. */
  private static Optional<String> inClasspathFolder(List<Found> found, String relative) {
    for (Found dir : found) {
      if (dir.kind().equals("dir")) {
        String wanted = dir.path().replaceFirst("/+$", "") + "/" + relative;
        Optional<String> hit = found.stream().filter(f -> f.kind().equals("file") && f.path().equals(wanted))
            .map(Found::sha256).findFirst();
        if (hit.isPresent()) {
          return hit;
        }
      }
    }
    return Optional.empty();
  }

  /** SHA-256 of the first classpath jar named {@code fileName}. */
  private static Optional<String> jar(List<Found> found, String fileName) {
    return found.stream().filter(f -> f.kind().equals("jar") && f.path().endsWith("/" + fileName))
        .map(Found::sha256).findFirst();
  }

  /** {@code /bin/sh -c SCRIPT sh ARGS...} in a container of the image, with no network; must succeed. */
  private SampleBuilds.Run shell(String script, String... args) throws Exception {
    return shellIn(image, script, args);
  }

  private SampleBuilds.Run shellIn(String tag, String script, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(docker.toString(), "run", "--rm", "--network", "none",
        "--entrypoint", "/bin/sh", tag, "-c", script, "sh"));
    command.addAll(List.of(args));
    SampleBuilds.Run run = SampleBuilds.exec(command, 120);
    assertThat(run.exit()).as(String.join(" ", command) + "\n" + run.output()).isZero();
    return run;
  }

  private String docker(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(docker.toString()));
    command.addAll(List.of(args));
    SampleBuilds.Run run = SampleBuilds.exec(command, 120);
    assertThat(run.exit()).as(String.join(" ", command) + "\n" + run.output()).isZero();
    return run.output();
  }

  /** The texts of the files directly in {@code target} that the plugin writes about the image. */
  private static List<String> reportedFiles(Path target) throws Exception {
    List<String> texts = new ArrayList<>();
    try (Stream<Path> files = Files.list(target)) {
      for (Path file : files.filter(Files::isRegularFile).collect(Collectors.toList())) {
        String name = file.getFileName().toString();
        if (name.startsWith("apkimg-image") || name.startsWith("jib-image")) {
          texts.add(Files.readString(file));
        }
      }
    }
    return texts;
  }

  /**
   * The arguments of a java {@code @argument file}: separated by white space, quotes grouping,
   * as the java launcher reads them (enough for what a build plugin writes).
   */
  private static List<String> argumentFile(String text) {
    List<String> args = new ArrayList<>();
    StringBuilder current = null;
    char quote = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          current.append(c);
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
        current = current == null ? new StringBuilder() : current;
      } else if (Character.isWhitespace(c)) {
        if (current != null) {
          args.add(current.toString());
          current = null;
        }
      } else {
        current = current == null ? new StringBuilder() : current;
        current.append(c);
      }
    }
    if (current != null) {
      args.add(current.toString());
    }
    return args;
  }

  private static String absolute(String path, String workDir) {
    return path.startsWith("/") ? path : workDir.replaceFirst("/+$", "") + "/" + path;
  }

  private static String sha256(Path file) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  private static List<String> texts(JsonNode array) {
    List<String> r = new ArrayList<>();
    array.forEach(n -> r.add(n.asText()));
    return r;
  }
}
