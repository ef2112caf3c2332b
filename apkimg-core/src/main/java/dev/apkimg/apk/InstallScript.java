package dev.apkimg.apk;

/** One install script from a package's control stream ({@code .post-install}, {@code .trigger}, ...). */
public record InstallScript(String type, byte[] content, long modTime) {
  /** The script types apk knows, without the leading dot. */
  public static boolean isScriptEntry(String entryName) {
    return switch (entryName) {
      case ".pre-install", ".post-install", ".pre-upgrade", ".post-upgrade",
          ".pre-deinstall", ".post-deinstall", ".trigger" -> true;
      default -> false;
    };
  }
}
