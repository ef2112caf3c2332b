package dev.apkimg.rootfs;

import java.util.List;
import java.util.Map;

/**
 * What goes into the root filesystem besides the packages' own files: the apk configuration
 * apk writes ({@code etc/apk/world}, {@code repositories}, {@code keys/}, {@code arch}), the
 * time every entry is clamped to (epoch seconds), and the mutations made after the packages
 * (and their install scripts) are in: accounts, paths, copied files, in this order.
 */
public record RootfsSpec(
    String arch,
    List<String> world,
    List<String> repositories,
    Map<String, byte[]> keys,
    long timestamp,
    List<RootfsMutation> mutations) {
  public RootfsSpec {
    world = List.copyOf(world);
    repositories = List.copyOf(repositories);
    keys = Map.copyOf(keys);
    mutations = List.copyOf(mutations);
  }

  public RootfsSpec(String arch, List<String> world, List<String> repositories, Map<String, byte[]> keys, long timestamp) {
    this(arch, world, repositories, keys, timestamp, List.of());
  }
}
