package dev.apkimg.api;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * A lockfile written.
 *
 * @param file where it was written
 * @param packages per architecture, how many packages it pins
 */
public record LockResult(Path file, Map<String, Integer> packages) {
  public LockResult {
    packages = java.util.Collections.unmodifiableMap(new TreeMap<>(packages));
  }

  /** All packages pinned, over every architecture. */
  public int total() {
    return packages.values().stream().mapToInt(Integer::intValue).sum();
  }
}
