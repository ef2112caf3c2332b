package dev.apkimg.rootfs;

import dev.apkimg.ApkimgException;
import dev.apkimg.rootfs.RootfsTree.Entry;
import dev.apkimg.rootfs.RootfsTree.Type;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * How {@link RootfsTree} turns a path from a mutation into the one it changes: checked clean,
 * then with symlinks followed as a chroot would. Kept apart because this is the security rule
 * (no change ever goes through a link or above the root) and deserves one place to be read.
 */
final class TreePaths {
  private static final int MAX_SYMLINK_HOPS = 40;

  private TreePaths() {}

  /** {@code path} relative, without a leading {@code /}, {@code .}, {@code ..} or control characters; never the root. */
  static String clean(String path) {
    if (PackageEntryRules.hasControlCharacter(path)) {
      throw new ApkimgException("not a clean path inside the image: " + dev.apkimg.tar.TarFormatException.quote(path)
          + " has a control character");
    }
    String p = LayerPaths.normalize(path);
    for (String part : p.split("/")) {
      if (part.equals("..") || part.equals(".") || (part.isEmpty() && !p.isEmpty())) {
        throw new ApkimgException("not a clean path inside the image: " + dev.apkimg.tar.TarFormatException.quote(path));
      }
    }
    if (p.isEmpty()) {
      throw new ApkimgException("the image's root directory cannot be changed here: " + path);
    }
    return p;
  }

  /**
   * Where the file system finds {@code path}: symlinks in its folders followed (and in the last
   * component when {@code followLast}), {@code ..} of a link target taken lexically and never
   * above the root, as in a chroot. The result has no symlink in its folders, so a change made
   * there never goes through a link; {@code ""} is the root.
   */
  static String canonical(String path, boolean followLast, Function<String, Entry> lookup) {
    ArrayDeque<String> todo = new ArrayDeque<>(List.of(path.split("/")));
    List<String> done = new ArrayList<>();
    int hops = 0;
    while (!todo.isEmpty()) {
      String part = todo.removeFirst();
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (!done.isEmpty()) {
          done.remove(done.size() - 1);
        }
        continue;
      }
      String here = done.isEmpty() ? part : String.join("/", done) + "/" + part;
      Entry e = lookup.apply(here);
      if (e != null && e.type() == Type.SYMLINK && e.link() != null && (followLast || !todo.isEmpty())) {
        if (++hops > MAX_SYMLINK_HOPS) {
          throw new ApkimgException("too many levels of symbolic links at /" + path);
        }
        if (e.link().startsWith("/")) {
          done.clear();
        }
        List<String> target = List.of(e.link().split("/"));
        for (int i = target.size() - 1; i >= 0; i--) {
          todo.addFirst(target.get(i));
        }
        continue;
      }
      done.add(part);
    }
    return String.join("/", done);
  }

  /** {@code path} with symlinks in its folders followed: where a new entry of that name goes. */
  static String canonicalParent(String p, Function<String, Entry> lookup) {
    int slash = p.lastIndexOf('/');
    if (slash < 0) {
      return p;
    }
    String parent = canonical(p.substring(0, slash), true, lookup);
    return parent.isEmpty() ? p.substring(slash + 1) : parent + "/" + p.substring(slash + 1);
  }
}
