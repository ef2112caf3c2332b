package dev.apkimg.rootfs;

import java.util.Set;

/**
 * A change to the root filesystem, made after the packages are planned and before the layer is
 * written: accounts, {@code paths:}, copied files, what install scripts do. Mutations run in the
 * order given and see each other's effects through the {@link RootfsTree}.
 */
public interface RootfsMutation {
  /**
   * Shipped files whose bytes this mutation reads with {@link RootfsTree#content(String)}: kept in
   * memory while the packages are read, so name small files only ({@code etc/passwd}). A path
   * ending in {@code /} names every file below that folder.
   */
  default Set<String> reads() {
    return Set.of();
  }

  void apply(RootfsTree tree);
}
