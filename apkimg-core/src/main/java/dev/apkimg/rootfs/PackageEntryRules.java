package dev.apkimg.rootfs;

import dev.apkimg.ApkimgException;
import dev.apkimg.tar.TarEntry;
import dev.apkimg.tar.TarFormatException;
import java.util.Set;

/**
 * What a package's data entry must be to go into the layer. apk-tools 2.14
 * ({@code apk_db_install_archive_entry}) refuses a package whose entry names are absolute,
 * contain a control character, or have a {@code .} or {@code ..} component; whose files lie in a
 * directory the package did not create before them ("no dirent in archive"); or whose hardlinks
 * point to anything but a file earlier in the same package. Docker, containerd and {@code tar}
 * would extract such entries differently from each other (some through a symlink, some outside
 * the root), so the layer never holds one: the package is refused, naming it and the entry.
 *
 * <p>apkimg is stricter than apk in a few places, where apk's own result is unclear or empty:
 * a {@code ./} prefix (apk silently skips every name starting with a dot, so it would install
 * none of those files), control characters in link targets (apk keeps them; no package needs
 * them), entry types apk does not know (apk skips them), and links or directories with content.
 */
final class PackageEntryRules {
  /** The entry types apk installs; devices and FIFOs included, as apk creates them. */
  private static final Set<Byte> TYPES = Set.of(TarEntry.REGULAR, TarEntry.HARDLINK, TarEntry.SYMLINK,
      TarEntry.CHARACTER_DEVICE, TarEntry.BLOCK_DEVICE, TarEntry.DIRECTORY, TarEntry.FIFO);

  /** apk-tools fails on a name or link target of {@code PATH_MAX - 10} bytes or more (ENAMETOOLONG). */
  private static final int MAX_NAME = 4096 - 10;

  private PackageEntryRules() {}

  private static boolean tooLong(String s) {
    return s.length() >= MAX_NAME || s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length >= MAX_NAME;
  }

  /** The error for an unsafe entry: one line naming the package and the entry. */
  static ApkimgException refuse(PackageSource pkg, String entryName, String why) {
    return new ApkimgException("package " + pkg.info().nameVersion() + " has an unsafe entry "
        + TarFormatException.quote(entryName) + ": " + why + "; the package is broken or hostile, and is not installed");
  }

  /** Why the entry's own header is unsafe (name, type, link target), or null if it is not. */
  static String checkHeader(TarEntry e) {
    if (tooLong(e.name()) || (e.linkName() != null && tooLong(e.linkName()))) {
      return "its name or link target is longer than apk's limit of " + (MAX_NAME - 1) + " bytes";
    }
    String why = checkPath(e.name(), true);
    if (why != null) {
      return why;
    }
    if (!TYPES.contains(e.type())) {
      return "its tar type " + TarFormatException.quote(String.valueOf((char) e.type())) + " is not one apk installs";
    }
    if (e.isSymlink()) {
      if (e.linkName() == null || e.linkName().isEmpty()) {
        return "it is a symlink without a target";
      }
      if (hasControlCharacter(e.linkName())) {
        return "its symlink target " + TarFormatException.quote(e.linkName()) + " has a control character";
      }
    }
    if (e.isHardlink()) {
      if (e.linkName() == null || e.linkName().isEmpty()) {
        return "it is a hardlink without a target";
      }
      String target = checkPath(e.linkName(), false);
      if (target != null) {
        return "its hardlink target " + TarFormatException.quote(e.linkName()) + " " + target.replaceFirst("^it ", "");
      }
    }
    return null;
  }

  /**
   * Why {@code name} is not a clean relative path inside the image, or null. A directory's name
   * may end in one {@code /}.
   */
  static String checkPath(String name, boolean mayEndInSlash) {
    if (name.isEmpty()) {
      return "it has an empty name";
    }
    if (hasControlCharacter(name)) {
      return "it has a control character in its name";
    }
    if (name.startsWith("/")) {
      return "it is an absolute path";
    }
    String p = mayEndInSlash && name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
    for (String part : p.split("/", -1)) {
      switch (part) {
        case ".." -> {
          return "it has a '..' component";
        }
        case "." -> {
          return "it has a '.' component";
        }
        case "" -> {
          return "it has an empty component ('//')";
        }
        default -> { }
      }
    }
    return null;
  }

  /** C0 controls, DEL, and C1 controls (which terminals also act on). NUL included. */
  static boolean hasControlCharacter(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
        return true;
      }
    }
    return false;
  }
}
