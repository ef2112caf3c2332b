package dev.apkimg.maven;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.tools.jib.api.buildplan.FileEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppLayersTest {
  @TempDir
  Path dir;

  private Path jar(String group, String name) throws Exception {
    Path file = Files.createDirectories(dir.resolve("repo").resolve(group)).resolve(name);
    Files.writeString(file, group + name);
    return file;
  }

  @Test
  void theClasspathFollowsMavensDependencyOrderWithTheExtraClasspathFirst() throws Exception {
    Path classes = Files.createDirectories(dir.resolve("classes/it"));
    Files.writeString(classes.resolve("Main.class"), "class");
    Files.writeString(dir.resolve("classes/app.properties"), "a=1");
    List<AppLayers.Jar> jars = List.of(
        new AppLayers.Jar("org.zeta", jar("org.zeta", "zeta-1.0.jar"), false),
        new AppLayers.Jar("org.alpha", jar("org.alpha", "alpha-2.0.jar"), false),
        new AppLayers.Jar("org.one", jar("org.one", "util-1.0.jar"), true),
        new AppLayers.Jar("org.two", jar("org.two", "util-1.0.jar"), false));

    AppLayers.App app = AppLayers.of(jars, dir.resolve("classes"), "/app", Instant.ofEpochSecond(1),
        List.of("/opt/agent.jar"), "it.Main", dir.resolve("work"));

    assertThat(app.classpath()).containsExactly("/opt/agent.jar", "/app/resources", "/app/classes",
        "/app/libs/zeta-1.0.jar", "/app/libs/alpha-2.0.jar", "/app/libs/org.one-util-1.0.jar",
        "/app/libs/org.two-util-1.0.jar");
    assertThat(app.layers()).extracting(AppLayers.Layer::name).containsExactly(
        "dependencies", "snapshot dependencies", "resources", "classes", "jvm arg files");
    // The layer holds its jars sorted by name: the order of dependencies changes the classpath, not the bytes.
    assertThat(paths(app.layers().get(0))).containsExactly(
        "/app/libs/alpha-2.0.jar", "/app/libs/org.two-util-1.0.jar", "/app/libs/zeta-1.0.jar");
    assertThat(paths(app.layers().get(4))).containsExactly("/app/jib-classpath-file", "/app/jib-main-class-file");
    assertThat(Files.readString(dir.resolve("work/jib-classpath-file"))).isEqualTo(String.join(":", app.classpath()));
    assertThat(Files.readString(dir.resolve("work/jib-main-class-file"))).isEqualTo("it.Main");
  }

  @Test
  void withoutAMainClassThereAreNoArgumentFiles() throws Exception {
    AppLayers.App app = AppLayers.of(List.of(), dir.resolve("none"), "/srv/app", Instant.EPOCH, List.of(), null,
        dir.resolve("work"));
    assertThat(app.layers()).isEmpty();
    assertThat(app.classpath()).containsExactly("/srv/app/resources", "/srv/app/classes");
  }

  private static List<String> paths(AppLayers.Layer layer) {
    return layer.layer().getEntries().stream().map(FileEntry::getExtractionPath).map(Object::toString).toList();
  }
}
