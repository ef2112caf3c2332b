package dev.apkimg.rootfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apkimg.ApkimgException;
import dev.apkimg.testing.RawDataTar;
import dev.apkimg.testing.TestPackage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hardlink groups whose file loses its path, as apk-tools leaves them: apk links every name of a
 * group to its package's file, and a later package or the profile that replaces one name
 * replaces that name only, so the other names keep the old bytes. The layer must say so with
 * entries that extract (every hardlink after the file it names), and apk's database must record
 * the group's checksum. Checked by extracting the layer's entries in order, as tar does.
 */
class LayerWriterHardlinkTest {
  private static final byte[] OLD = "#!/bin/sh\necho base\n".getBytes(StandardCharsets.UTF_8);
  private static final byte[] NEW = "#!/bin/sh\necho over\n".getBytes(StandardCharsets.UTF_8);

  @TempDir Path tmp;

  private static TestPackage.Builder base() {
    return TestPackage.builder("hl-base", "1.0-r0").builddate(Layers.TIMESTAMP)
        .dir("usr").dir("usr/bin").file("usr/bin/tool", OLD, 0755).hardlink("usr/bin/tool-link", "usr/bin/tool");
  }

  private static TestPackage over() {
    return TestPackage.builder("hl-over", "1.0-r0").builddate(Layers.TIMESTAMP).replaces("hl-base")
        .dir("usr").dir("usr/bin").file("usr/bin/tool", NEW, 0755).build();
  }

  @Test
  void aLaterPackagesFileOverTheGroupsFileLeavesTheOtherNameAFileWithTheOldBytes() throws Exception {
    Map<String, Layers.Item> layer = Layers.read(Layers.write(tmp, List.of(), base().build(), over()).file());
    Map<String, Inode> tree = extract(layer);

    assertThat(tree.get("usr/bin/tool").content).isEqualTo(NEW);
    assertThat(tree.get("usr/bin/tool-link").content).isEqualTo(OLD);
    assertThat(tree.get("usr/bin/tool-link")).isNotSameAs(tree.get("usr/bin/tool"));
    assertThat(tree.get("usr/bin/tool-link").mode).isEqualTo(0755);
    // apk copies the group file's checksum to each hardlink: hl-base's bytes, not hl-over's
    assertThat(databaseChecksums(layer, "hl-base")).containsEntry("usr/bin/tool-link", q1(OLD))
        .doesNotContainKey("usr/bin/tool");
    assertThat(databaseChecksums(layer, "hl-over")).containsEntry("usr/bin/tool", q1(NEW));
  }

  @Test
  void theFirstRemainingNameCarriesTheBytesAndTheOthersLinkToIt() throws Exception {
    TestPackage three = base().hardlink("usr/bin/tool-more", "usr/bin/tool").build();
    Map<String, Layers.Item> layer = Layers.read(Layers.write(tmp, List.of(), three, over()).file());
    Map<String, Inode> tree = extract(layer);

    assertThat(tree.get("usr/bin/tool-link").content).isEqualTo(OLD);
    assertThat(tree.get("usr/bin/tool-more")).isSameAs(tree.get("usr/bin/tool-link"));
    assertThat(layer.get("usr/bin/tool-link").entry().isFile()).isTrue();
    assertThat(layer.get("usr/bin/tool-more").entry().getLinkName()).isEqualTo("usr/bin/tool-link");
    assertThat(databaseChecksums(layer, "hl-base")).containsEntry("usr/bin/tool-more", q1(OLD));
  }

  @Test
  void aHardlinkWhoseOwnTargetLostItsPathLinksToTheGroupsFile() throws Exception {
    // tool-more names tool-link (a link to a link, as tar may write), which hl-over replaces.
    TestPackage chain = TestPackage.builder("hl-base", "1.0-r0").builddate(Layers.TIMESTAMP)
        .rawData(new RawDataTar().dir("usr").dir("usr/bin")
            .file("usr/bin/tool", new String(OLD, StandardCharsets.UTF_8))
            .hardlink("usr/bin/tool-link", "usr/bin/tool").hardlink("usr/bin/tool-more", "usr/bin/tool-link"))
        .build();
    TestPackage overLink = TestPackage.builder("hl-over", "1.0-r0").builddate(Layers.TIMESTAMP).replaces("hl-base")
        .dir("usr").dir("usr/bin").file("usr/bin/tool-link", NEW, 0755).build();
    Map<String, Layers.Item> layer = Layers.read(Layers.write(tmp, List.of(), chain, overLink).file());
    Map<String, Inode> tree = extract(layer);

    assertThat(tree.get("usr/bin/tool-link").content).isEqualTo(NEW);
    assertThat(tree.get("usr/bin/tool-more")).isSameAs(tree.get("usr/bin/tool"));
    assertThat(tree.get("usr/bin/tool").content).isEqualTo(OLD);
    assertThat(layer.get("usr/bin/tool-more").entry().getLinkName()).isEqualTo("usr/bin/tool");
  }

  @Test
  void aProfileSymlinkOverTheGroupsFileLeavesTheOtherNameAFileWithTheOldBytes() throws Exception {
    RootfsMutation symlink = tree -> {
      tree.symlink("usr/bin/tool", "/bin/sh", 0, 0);
      // what the mutations after this one see: the other name is a file now
      assertThat(tree.entry("usr/bin/tool-link").orElseThrow().type()).isEqualTo(RootfsTree.Type.FILE);
    };
    Map<String, Layers.Item> layer = Layers.read(Layers.write(tmp, List.of(symlink), base().build()).file());
    Map<String, Inode> tree = extract(layer);

    assertThat(layer.get("usr/bin/tool").entry().isSymbolicLink()).isTrue();
    assertThat(tree.get("usr/bin/tool-link").content).isEqualTo(OLD);
    assertThat(tree.get("usr/bin/tool-link").mode).isEqualTo(0755);
  }

  @Test
  void aProfileFileOverTheGroupsFileKeepsTheGroupsModeAndOwnerOnTheOtherName() throws Exception {
    RootfsMutation empty = tree -> {
      tree.chown("usr/bin/tool", 1000, 1000);
      tree.writeFile("usr/bin/tool", new byte[0], 0600, 0, 0);
    };
    Map<String, Layers.Item> layer = Layers.read(Layers.write(tmp, List.of(empty), base().build()).file());
    Map<String, Inode> tree = extract(layer);

    assertThat(tree.get("usr/bin/tool").content).isEmpty();
    assertThat(tree.get("usr/bin/tool").mode).isEqualTo(0600);
    assertThat(tree.get("usr/bin/tool-link").content).isEqualTo(OLD);
    assertThat(tree.get("usr/bin/tool-link").owner).isEqualTo("1000:1000");
  }

  @Test
  void permissionsOnAnyNameOfAGroupApplyToTheWholeGroup() throws Exception {
    RootfsMutation chmod = tree -> {
      tree.chmod("usr/bin/tool-link", 0700);
      tree.chown("usr/bin/tool-link", 1000, 1000);
    };
    Map<String, Layers.Item> layer = Layers.read(Layers.write(tmp, List.of(chmod), base().build()).file());
    Map<String, Inode> tree = extract(layer);

    assertThat(tree.get("usr/bin/tool-link")).isSameAs(tree.get("usr/bin/tool"));
    assertThat(tree.get("usr/bin/tool").mode).isEqualTo(0700);
    assertThat(tree.get("usr/bin/tool").owner).isEqualTo("1000:1000");
    // the layer says so on every name, not only on the one extraction reads
    assertThat(layer.get("usr/bin/tool-link").mode()).isEqualTo(0700);
  }

  @Test
  void packageLayersGiveTheOldBytesToTheOtherNameInTheTopLayer() throws Exception {
    List<PackageSource> sources = Layers.sources(tmp, base().build(), over());
    PackageLayers layers = new LayerWriter(Layers.KEYS).writeLayers(sources, spec(List.of()), 50, tmp.resolve("w"));
    Map<String, Layers.Item> top = Layers.read(layers.top().file());

    assertThat(top.get("usr/bin/tool-link").entry().isFile()).isTrue();
    assertThat(top.get("usr/bin/tool-link").content()).isEqualTo(OLD);
    assertThat(databaseChecksums(top, "hl-base")).containsEntry("usr/bin/tool-link", q1(OLD));
  }

  @Test
  void aHardlinkToAFileAnEarlierPackageKeepsIsRefusedAsApkToolsRefusesIt() throws Exception {
    TestPackage keeper = TestPackage.builder("edge-base", "1.0-r0").replaces("edge-late")
        .dir("srv").file("srv/kept", "edge-base's\n").build();
    TestPackage late = TestPackage.builder("edge-late", "1.0-r0")
        .dir("srv").file("srv/kept", "edge-late's\n").hardlink("srv/kept-link", "srv/kept").build();
    assertThatThrownBy(() -> Layers.write(tmp, List.of(), keeper, late))
        .isInstanceOf(ApkimgException.class)
        .hasMessageContaining("edge-late-1.0-r0").hasMessageContaining("/srv/kept-link is a hardlink to /srv/kept")
        .hasMessageContaining("edge-base-1.0-r0 replaces edge-late and keeps its own /srv/kept")
        .hasMessageNotContaining("\n");
  }

  @Test
  void filesBelowAnEarlierPackagesSymlinkedFolderAreRefusedSayingWhyAndWhatToDo() throws Exception {
    TestPackage links = TestPackage.builder("sl-base", "1.0-r0")
        .dir("usr").dir("usr/lib").symlink("lib64", "usr/lib").build();
    TestPackage files = TestPackage.builder("sl-files", "1.0-r0").dir("lib64").file("lib64/libfoo.so", "foo\n").build();
    assertThatThrownBy(() -> Layers.write(tmp, List.of(), links, files))
        .isInstanceOf(ApkimgException.class)
        .hasMessageContaining("/lib64 is a symlink in sl-base-1.0-r0 and a directory in sl-files-1.0-r0")
        .hasMessageContaining("through the symlink (to usr/lib)")
        .hasMessageContaining("use a build of sl-files");
  }

  @Test
  void replacingAFileThatOnlyAProfileHardlinkSharesIsRefusedWhenItsBytesAreNotHeld() throws Exception {
    RootfsMutation m = tree -> {
      tree.hardlink("usr/bin/copy", "usr/bin/tool");
      tree.symlink("usr/bin/tool", "/bin/sh", 0, 0);
    };
    TestPackage plain = TestPackage.builder("plain", "1.0-r0").dir("usr").dir("usr/bin").file("usr/bin/tool", OLD, 0755)
        .build();
    assertThatThrownBy(() -> Layers.write(tmp, List.of(m), plain))
        .isInstanceOf(ApkimgException.class).hasMessageContaining("cannot replace /usr/bin/tool: /usr/bin/copy");
  }

  @Test
  void aProfileHardlinkKeepsTheBytesOfAReplacedFileWhoseBytesAreHeld() throws Exception {
    RootfsMutation m = new RootfsMutation() {
      @Override
      public java.util.Set<String> reads() {
        return java.util.Set.of("usr/bin/tool");
      }

      @Override
      public void apply(RootfsTree tree) {
        tree.hardlink("usr/bin/copy", "usr/bin/tool");
        tree.symlink("usr/bin/tool", "/bin/sh", 0, 0);
        assertThat(tree.content("usr/bin/copy")).hasValue(OLD);
      }
    };
    TestPackage plain = TestPackage.builder("plain", "1.0-r0").dir("usr").dir("usr/bin").file("usr/bin/tool", OLD, 0755)
        .build();
    Map<String, Layers.Item> layer = Layers.read(Layers.write(tmp, List.of(m), plain).file());
    Map<String, Inode> tree = extract(layer);

    assertThat(layer.get("usr/bin/tool").entry().isSymbolicLink()).isTrue();
    assertThat(tree.get("usr/bin/copy").content).isEqualTo(OLD);
    assertThat(tree.get("usr/bin/copy").mode).isEqualTo(0755);
  }

  private static RootfsSpec spec(List<RootfsMutation> mutations) {
    return new RootfsSpec("x86_64", List.of("hl-over"), List.of("/srv/repo"), Map.of(), Layers.TIMESTAMP, mutations);
  }

  /** One inode of the extracted tree. */
  static final class Inode {
    final byte[] content;
    int mode;
    String owner;

    Inode(byte[] content, int mode, String owner) {
      this.content = content;
      this.mode = mode;
      this.owner = owner;
    }
  }

  /**
   * The layer's entries extracted in order, as tar does: a hardlink joins the inode already at
   * the path it names (which must be a file written before it) and takes no metadata of its own;
   * a later entry at a path replaces that name only.
   */
  private static Map<String, Inode> extract(Map<String, Layers.Item> layer) {
    Map<String, Inode> tree = new HashMap<>();
    for (Layers.Item i : layer.values()) {
      TarArchiveEntry e = i.entry();
      String name = e.getName().endsWith("/") ? e.getName().substring(0, e.getName().length() - 1) : e.getName();
      if (e.isLink()) {
        Inode target = tree.get(e.getLinkName());
        assertThat(target).as(name + " links to " + e.getLinkName() + ", which is no file written before it")
            .isNotNull();
        tree.put(name, target);
      } else if (e.isFile()) {
        tree.put(name, new Inode(i.content(), i.mode(), i.owner()));
      } else {
        tree.remove(name);
      }
    }
    return tree;
  }

  /** {@code lib/apk/db/installed}'s Z: of each file of package {@code name}, by path. */
  private static Map<String, String> databaseChecksums(Map<String, Layers.Item> layer, String name) {
    Map<String, String> out = new HashMap<>();
    String[] stanzas = layer.get("lib/apk/db/installed").text().split("\n\n");
    for (String stanza : stanzas) {
      List<String> lines = List.of(stanza.split("\n"));
      if (!lines.contains("P:" + name)) {
        continue;
      }
      String dir = "";
      String file = null;
      for (String l : new ArrayList<>(lines)) {
        if (l.startsWith("F:")) {
          dir = l.substring(2);
        } else if (l.startsWith("R:")) {
          file = dir + "/" + l.substring(2);
        } else if (l.startsWith("Z:") && file != null) {
          out.put(file, l.substring(2));
        }
      }
    }
    return out;
  }

  private static String q1(byte[] content) throws Exception {
    return "Q1" + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1").digest(content));
  }
}
