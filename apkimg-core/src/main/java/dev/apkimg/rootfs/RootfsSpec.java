package dev.apkimg.rootfs;

import java.util.List;
import java.util.Map;

/**
 * What goes into the root filesystem besides the packages' own files: the apk configuration
 * apk writes ({@code etc/apk/world}, {@code repositories}, {@code keys/}, {@code arch}), and the
 * time every entry is clamped to (epoch seconds).
 */
public record RootfsSpec(
    String arch,
    List<String> world,
    List<String> repositories,
    Map<String, byte[]> keys,
    long timestamp) {
  public RootfsSpec {
    world = List.copyOf(world);
    repositories = List.copyOf(repositories);
    keys = Map.copyOf(keys);
  }
}
