package dev.apkimg.rootfs;

import static dev.apkimg.rootfs.Layers.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apkimg.ApkimgException;
import dev.apkimg.testing.TestPackage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mutation mechanism itself: what a mutation sees, and how its changes land in the layer. */
class RootfsMutationTest {
  @TempDir Path tmp;

  private static TestPackage pkg() {
    return TestPackage.builder("app", "1-r0").dir("etc").dir("usr").dir("usr/bin")
        .file("etc/app.conf", "shipped\n").file("usr/bin/app", "big binary".getBytes(StandardCharsets.UTF_8), 0755).build();
  }

  @Test
  void changesAreAppliedAndNewEntriesComeInPathOrder() throws Exception {
    Path host = Files.writeString(tmp.resolve("host.txt"), "from host\n");
    RootfsMutation m = new RootfsMutation() {
      @Override
      public Set<String> reads() {
        return Set.of("etc/app.conf");
      }

      @Override
      public void apply(RootfsTree tree) {
        assertThat(tree.entry("usr/bin/app").orElseThrow().mode()).isEqualTo(0755);
        assertThat(tree.entry("/tmp").orElseThrow().mode()).isEqualTo(01777); // what apk creates is there too
        String conf = new String(tree.content("etc/app.conf").orElseThrow(), StandardCharsets.UTF_8);
        tree.writeFile("etc/app.conf", (conf + "edited\n").getBytes(StandardCharsets.UTF_8), 0600, 0, 0);
        tree.chmod("usr/bin/app", 04755);
        tree.hardlink("usr/bin/app-link", "usr/bin/app");
        tree.copyFile("zz/host.txt", host, 0644, 5, 5);
        tree.symlink("a/link", "../usr/bin/app", 0, 0);
        assertThatThrownBy(() -> tree.content("usr/bin/app")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> tree.writeFile("../escape", new byte[0], 0644, 0, 0)).isInstanceOf(ApkimgException.class);
        assertThatThrownBy(() -> tree.writeFile("usr/bin", new byte[0], 0644, 0, 0))
            .hasMessage("cannot replace directory /usr/bin with a file or link");
      }
    };
    LayerResult result = Layers.write(tmp, List.of(m), pkg());
    Map<String, Layers.Item> layer = read(result.file());
    assertThat(layer.get("etc/app.conf").text()).isEqualTo("shipped\nedited\n");
    assertThat(layer.get("etc/app.conf").mode()).isEqualTo(0600);
    assertThat(layer.get("usr/bin/app").mode()).isEqualTo(04755);
    assertThat(layer.get("usr/bin/app").text()).isEqualTo("big binary");
    assertThat(layer.get("zz/host.txt").text()).isEqualTo("from host\n");
    assertThat(layer.get("zz/host.txt").owner()).isEqualTo("5:5");
    assertThat(layer.get("zz/host.txt").entry().getModTime().getTime() / 1000).isEqualTo(Layers.TIMESTAMP);
    assertThat(layer.get("zz").entry().isDirectory()).isTrue();
    List<String> order = List.copyOf(layer.keySet());
    // New paths after everything else, sorted, hardlinks last; shipped ones keep their place.
    assertThat(order.subList(order.indexOf("a"), order.size()))
        .containsExactly("a", "a/link", "etc/app.conf", "zz", "zz/host.txt", "usr/bin/app-link");
    assertThat(order.indexOf("usr/bin/app")).isLessThan(order.indexOf("etc/apk/world"));
    // The database records what the package shipped, as apk does after a script changed a file.
    assertThat(layer.get("lib/apk/db/installed").text()).contains("R:app.conf\n").contains("R:app\na:0:0:755\n");

    byte[] first = Files.readAllBytes(result.file());
    Files.delete(result.file());
    assertThat(Files.readAllBytes(Layers.write(tmp, List.of(m), pkg()).file())).isEqualTo(first);
  }
}
