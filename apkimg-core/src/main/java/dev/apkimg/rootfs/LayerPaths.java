package dev.apkimg.rootfs;

import java.util.ArrayList;
import java.util.List;

/**
 * Paths in the layer as apk stores them. One place for the spelling, because the package scan,
 * the ownership plan, apk's database and the mutation tree must all agree on what one path is.
 */
final class LayerPaths {
  private LayerPaths() {}

  /** Tar names as apk stores paths: relative, no {@code ./}, no trailing slash. */
  static String normalize(String name) {
    String s = name;
    while (s.startsWith("./")) {
      s = s.substring(2);
    }
    while (s.startsWith("/")) {
      s = s.substring(1);
    }
    while (s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    return s.equals(".") ? "" : s;
  }

  /** The folders above {@code path}, outermost first ({@code a}, {@code a/b} for {@code a/b/c}). */
  static List<String> parents(String path) {
    List<String> out = new ArrayList<>();
    int i = path.indexOf('/');
    while (i > 0) {
      out.add(path.substring(0, i));
      i = path.indexOf('/', i + 1);
    }
    return out;
  }
}
