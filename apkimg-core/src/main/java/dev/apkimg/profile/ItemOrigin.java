package dev.apkimg.profile;

import static dev.apkimg.profile.YamlPositions.keyLocation;
import static dev.apkimg.profile.YamlPositions.refs;

import com.fasterxml.jackson.core.JsonLocation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where an item of a tracked list ({@code accounts.groups}, {@code accounts.users},
 * {@code paths}, {@code files}) was written: the file, its text, the list and the index there.
 * Items are checked after includes are merged; this keeps each message pointing at the file and
 * line that wrote the item.
 */
record ItemOrigin(Path file, String text, String list, int index) {
  /** file:line:col: of a key of a tracked list's item (or of the item itself). */
  String where(String field) {
    List<Object> parts = new ArrayList<>(List.of(list.split("\\.")));
    parts.add(index);
    if (field != null) {
      parts.add(field);
    }
    JsonLocation loc = keyLocation(text, refs(parts.toArray()), null);
    if (loc == null && field != null) {
      return where(null);
    }
    return loc == null ? file + ": " + list + "[" + index + "]: " : YamlPositions.where(file, loc);
  }

  static void check(ItemOrigin o, String field, String key, String problem) {
    if (problem != null) {
      throw new ProfileException(o.where(field) + key + ": " + problem);
    }
  }

  static <K> void unique(Map<K, ItemOrigin> seen, K key, ItemOrigin o, String field, String what) {
    ItemOrigin first = seen.putIfAbsent(key, o);
    if (first != null) {
      String at = first.where(field);
      throw new ProfileException(o.where(field) + "duplicate " + what + " (first at " + at.substring(0, at.length() - 2) + ")");
    }
  }
}
