package dev.apkimg.fetch;

import dev.apkimg.apk.PackageInfo;
import dev.apkimg.apk.PackageNames;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Package files on disk, addressed by the package's identity: the SHA-1 its {@code Q1} checksum
 * names, as {@code packages/HH/HHHH....apk} (hex). No text from an index (name, version, arch)
 * is part of a path, so no index can make the cache write elsewhere; and an entry is valid for
 * whichever mirror served it. Entries appear atomically (written aside, verified, then renamed),
 * and are verified again on every use ({@link PackageFetcher}).
 */
public final class PackageCache {
  private final Path root;

  public PackageCache(Path root) {
    this.root = root;
  }

  /** The default: {@code $XDG_CACHE_HOME/apkimg}, else {@code ~/.cache/apkimg}. */
  public static Path defaultRoot() {
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("apkimg");
  }

  public Path root() {
    return root;
  }

  /**
   * Where the package with this identity is (or would be) kept. Throws
   * {@link IllegalArgumentException} if the package has no valid {@code Q1} checksum.
   */
  public Path path(PackageInfo p) {
    String hex = PackageNames.checksumHex(p.checksum());
    return root.resolve("packages").resolve(hex.substring(0, 2)).resolve(hex + ".apk");
  }

  public boolean contains(PackageInfo p) {
    return PackageNames.isValidChecksum(p.checksum()) && Files.isRegularFile(path(p));
  }

}
