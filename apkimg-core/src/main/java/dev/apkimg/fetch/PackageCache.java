package dev.apkimg.fetch;

import dev.apkimg.apk.PackageInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Verified package files on disk, addressed by the package's identity ({@code Q1} checksum), so
 * an entry is valid for whichever mirror served it. Entries appear atomically (written aside,
 * verified, then renamed), so a failed or concurrent download never leaves a corrupt one.
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

  /** Where the package with this identity is (or would be) kept. */
  public Path path(PackageInfo p) {
    String id = p.checksum() != null && p.checksum().startsWith("Q1")
        ? HexFormat.of().formatHex(Base64.getDecoder().decode(p.checksum().substring(2)))
        : "unverified";
    return root.resolve("packages").resolve(p.arch() == null ? "noarch" : p.arch())
        .resolve(p.nameVersion() + "." + id + ".apk");
  }

  public boolean contains(PackageInfo p) {
    return p.checksum() != null && Files.isRegularFile(path(p));
  }

  /** A temporary file beside the entry, for writing before the atomic rename. */
  Path newTempFile(PackageInfo p) throws IOException {
    Path dir = path(p).getParent();
    Files.createDirectories(dir);
    return dev.apkimg.TemporaryFiles.register(Files.createTempFile(dir, "." + p.name() + "-", ".part"));
  }
}
