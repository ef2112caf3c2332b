package dev.apkimg.rootfs;

import dev.apkimg.apk.ApkPackage;
import dev.apkimg.tar.TarEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the {@link RootfsTree} that mutations see from the plan: what apk creates, the packages'
 * winning entries, apk's generated files. The translation between tar types and the tree's own
 * types lives here, as the tree is a view of the layer that knows nothing of tar.
 */
final class PlannedTree {
  private PlannedTree() {}

  /** The tree mutations see: what apk creates, the packages' winners, apk's generated files. */
  static RootfsTree of(LayerPlan plan, RootfsSpec spec, Map<String, GeneratedEntry> generated) {
    Map<String, RootfsTree.Entry> base = new HashMap<>();
    Map<String, byte[]> content = new HashMap<>();
    Map<String, dev.apkimg.apk.PackageInfo> shippedBy = new HashMap<>();
    for (GeneratedEntry g : generated.values()) {
      for (String parent : LayerPaths.parents(g.path())) {
        base.putIfAbsent(parent, new RootfsTree.Entry(parent, RootfsTree.Type.DIRECTORY,
            GeneratedEntry.DEFAULT_DIR_MODE, 0, 0, null));
      }
      base.put(g.path(), treeEntry(g));
      if (g.content() != null) {
        content.put(g.path(), g.content());
      }
    }
    for (PackageEntry n : plan.winners.values()) {
      RootfsTree.Type type = treeType(n.type);
      String link = n.type == TarEntry.HARDLINK ? plan.links.get(n) : n.link;
      if (plan.carriers.contains(n)) {
        type = RootfsTree.Type.FILE; // holds its group's bytes: the group's file went to a later package
        link = null;
      }
      base.put(n.path, new RootfsTree.Entry(n.path, type, n.mode, n.uid, n.gid, link));
      shippedBy.put(n.path, plan.metadata.get(n.pkg).info());
      content.remove(n.path);
      byte[] bytes = plan.captured.get(plan.carriers.contains(n) ? n.root : n);
      if (bytes != null) {
        content.put(n.path, bytes);
      }
    }
    for (GeneratedEntry g : ApkCreatedEntries.initdb(plan)) {
      PackageEntry shipped = plan.winners.get(g.path());
      if (shipped == null || (shipped.isDir() && g.type() == TarEntry.DIRECTORY)) {
        base.put(g.path(), treeEntry(g));
      }
    }
    List<RootfsTree.PackageScripts> scripts = new ArrayList<>();
    for (ApkPackage meta : plan.metadata) {
      if (!meta.scripts().isEmpty()) {
        scripts.add(new RootfsTree.PackageScripts(meta.info().nameVersion(), meta.scripts()));
      }
    }
    return new RootfsTree(spec.timestamp(), base, content, scripts, plan.hasBusyboxLinks(), shippedBy);
  }

  private static RootfsTree.Entry treeEntry(GeneratedEntry g) {
    return new RootfsTree.Entry(g.path(), treeType(g.type()), g.mode(), 0, 0, g.link());
  }

  static RootfsTree.Type treeType(byte type) {
    return switch (type) {
      case TarEntry.DIRECTORY -> RootfsTree.Type.DIRECTORY;
      case TarEntry.SYMLINK -> RootfsTree.Type.SYMLINK;
      case TarEntry.HARDLINK -> RootfsTree.Type.HARDLINK;
      case TarEntry.CHARACTER_DEVICE -> RootfsTree.Type.CHAR_DEVICE;
      case TarEntry.BLOCK_DEVICE -> RootfsTree.Type.BLOCK_DEVICE;
      case TarEntry.FIFO -> RootfsTree.Type.FIFO;
      default -> RootfsTree.Type.FILE;
    };
  }

  static byte tarType(RootfsTree.Type type) {
    return switch (type) {
      case DIRECTORY -> TarEntry.DIRECTORY;
      case SYMLINK -> TarEntry.SYMLINK;
      case HARDLINK -> TarEntry.HARDLINK;
      case CHAR_DEVICE -> TarEntry.CHARACTER_DEVICE;
      case BLOCK_DEVICE -> TarEntry.BLOCK_DEVICE;
      case FIFO -> TarEntry.FIFO;
      case FILE -> TarEntry.REGULAR;
    };
  }
}
