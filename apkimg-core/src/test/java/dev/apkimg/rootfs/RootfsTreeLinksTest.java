package dev.apkimg.rootfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apkimg.ApkimgException;
import dev.apkimg.testing.TestPackage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Changes that install scripts and profiles make go where the file system would put them:
 * through a symlink means to the link's target, so the layer never holds an entry whose path
 * goes through a link (which extractors treat differently, and which would dodge the
 * file-conflict check).
 */
class RootfsTreeLinksTest {
  @TempDir Path tmp;

  @Test
  void aScriptsMkdirThroughAPackagesSymlinkLandsAtTheTarget() throws Exception {
    TestPackage pkg = TestPackage.builder("linker", "1.0-r0").dir("srv").symlink("evil", "/srv")
        .postInstall("#!/bin/sh\nmkdir -p /evil/data\n").build();
    Map<String, Layers.Item> layer = Layers.read(Layers.write(tmp, List.of(), pkg).file());
    assertThat(layer).containsKey("srv/data").doesNotContainKey("evil/data");
    assertThat(layer.get("srv/data").entry().isDirectory()).isTrue();
  }

  @Test
  void aMutationThroughARelativeSymlinkWithDotDotLandsAtTheTarget() throws Exception {
    TestPackage pkg = TestPackage.builder("linker", "1.0-r0").dir("srv").dir("usr/lib")
        .symlink("usr/lib/up", "../../srv").build();
    RootfsMutation write = new RootfsMutation() {
      @Override
      public void apply(RootfsTree tree) {
        tree.writeFile("/usr/lib/up/hello", "hi\n".getBytes(), 0644, 0, 0);
        tree.chown(tree.resolve("/usr/lib/up"), 7, 7); // what chown without -h does: the directory it names
      }
    };
    Map<String, Layers.Item> layer = Layers.read(Layers.write(tmp, List.of(write), pkg).file());
    assertThat(layer).containsKey("srv/hello").doesNotContainKey("usr/lib/up/hello");
    assertThat(layer.get("srv/hello").text()).isEqualTo("hi\n");
    assertThat(layer.get("srv").owner()).isEqualTo("7:7");
    assertThat(layer.get("usr/lib/up").entry().getLinkName()).isEqualTo("../../srv");
  }

  @Test
  void aLinkTargetAboveTheRootStaysInTheImage() throws Exception {
    TestPackage pkg = TestPackage.builder("linker", "1.0-r0").dir("srv").symlink("srv/up", "../../../../etc").build();
    RootfsMutation write = tree -> tree.writeFile("srv/up/escaped", "x\n".getBytes(), 0644, 0, 0);
    Map<String, Layers.Item> layer = Layers.read(Layers.write(tmp, List.of(write), pkg).file());
    assertThat(layer).containsKey("etc/escaped").doesNotContainKey("srv/up/escaped");
  }

  @Test
  void controlCharactersInMutationPathsAndTargetsAreRefusedOnOneLine() throws Exception {
    TestPackage pkg = TestPackage.builder("plain", "1.0-r0").dir("srv").build();
    RootfsMutation badName = tree -> tree.writeFile("srv/a\nb", new byte[0], 0644, 0, 0);
    assertThatThrownBy(() -> Layers.write(tmp, List.of(badName), pkg)).isInstanceOf(ApkimgException.class)
        .hasMessageContaining("\"srv/a\\nb\"").hasMessageNotContaining("\n");
    RootfsMutation badTarget = tree -> tree.symlink("srv/l", "x\ny", 0, 0);
    assertThatThrownBy(() -> Layers.write(tmp, List.of(badTarget), pkg)).isInstanceOf(ApkimgException.class)
        .hasMessageContaining("\"x\\ny\"").hasMessageNotContaining("\n");
  }
}
