package dev.apkimg.rootfs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads an account file of the tree as lines and writes lines back, keeping the file's mode and
 * owner, and busybox's {@code FILE-} backups. Kept apart so {@link AccountFiles} is only about
 * what the lines say.
 */
final class AccountFileText {
  private AccountFileText() {}

  /** {@code FILE-} with the file's owner and mode, as busybox's rename leaves it. */
  static void writeBackup(RootfsTree tree, String path, List<String> lines) {
    if (lines == null) {
      return;
    }
    Optional<RootfsTree.Entry> file = tree.entry(path);
    StringBuilder sb = new StringBuilder();
    for (String l : lines) {
      sb.append(l).append('\n');
    }
    tree.writeFile(path + "-", sb.toString().getBytes(StandardCharsets.UTF_8),
        file.map(RootfsTree.Entry::mode).orElse(0644), file.map(RootfsTree.Entry::uid).orElse(0L),
        file.map(RootfsTree.Entry::gid).orElse(0L));
  }

  static void write(RootfsTree tree, String path, List<String> lines, int newMode) {
    if (lines == null) {
      return;
    }
    StringBuilder sb = new StringBuilder();
    for (String l : lines) {
      sb.append(l).append('\n');
    }
    byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
    Optional<RootfsTree.Entry> old = tree.entry(path);
    if (old.isPresent() && tree.content(path).map(b -> java.util.Arrays.equals(b, bytes)).orElse(false)) {
      return;
    }
    tree.writeFile(path, bytes, old.map(RootfsTree.Entry::mode).orElse(newMode),
        old.map(RootfsTree.Entry::uid).orElse(0L), old.map(RootfsTree.Entry::gid).orElse(0L));
  }

  static List<String> lines(RootfsTree tree, String path) {
    Optional<RootfsTree.Entry> e = tree.entry(path);
    if (e.isEmpty() || e.get().type() != RootfsTree.Type.FILE) {
      return null;
    }
    String text = new String(tree.content(path).orElseThrow(), StandardCharsets.UTF_8);
    List<String> out = new ArrayList<>();
    for (String l : text.split("\n", -1)) {
      out.add(l);
    }
    if (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) {
      out.remove(out.size() - 1); // the final newline
    }
    return out;
  }
}
