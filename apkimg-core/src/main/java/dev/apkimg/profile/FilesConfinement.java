package dev.apkimg.profile;

import dev.apkimg.rootfs.AccountFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps {@code files[].source} inside the folder of the profile that names it or a folder the
 * user allowed: a profile is outside input, and its sources become image content. One place
 * for this rule, as it is the profile's only way to read host files.
 */
final class FilesConfinement {
  private FilesConfinement() {}

  /** The folders the user allowed besides each profile's own, resolved; each must be a directory. */
  static List<Path> realRoots(List<Path> filesRoots) {
    List<Path> roots = new ArrayList<>();
    for (Path root : filesRoots) {
      try {
        roots.add(root.toRealPath());
      } catch (IOException e) {
        throw new ProfileException("files root " + root + " does not exist");
      }
      if (!Files.isDirectory(roots.get(roots.size() - 1))) {
        throw new ProfileException("files root " + root + " is not a directory");
      }
    }
    return roots;
  }

  /**
   * Keeps {@code files[].source} inside the folder of the profile that names it, or inside a
   * folder the user allowed: resolved with symlinks, so neither {@code ../../etc/shadow} nor a
   * link to it reads the host's files into the image.
   */
  static void confine(ImageProfile.FileCopy f, ItemOrigin o, List<Path> filesRoots) {
    if (f.source() == null || f.source().isBlank()) {
      return; // validate() names the missing source
    }
    confine(f.source(), o, "source", "files: source ", "files[" + o.index() + "].source", filesRoots);
  }

  /** The same rule for {@code certificates.additional[].file}. */
  static void confine(ImageProfile.AdditionalCertificate c, ItemOrigin o, List<Path> filesRoots) {
    if (c.file() == null || c.file().isBlank()) {
      return;
    }
    confine(c.file(), o, "file", "certificates.additional[" + o.index() + "]: file ",
        "certificates.additional[" + o.index() + "].file", filesRoots);
  }

  private static void confine(String source, ItemOrigin o, String field, String missing, String key,
      List<Path> filesRoots) {
    Path dir = o.file().toAbsolutePath().normalize().getParent();
    Path src = dir.resolve(source).normalize();
    Path real;
    Path realDir;
    try {
      realDir = dir.toRealPath();
      real = src.toRealPath();
    } catch (IOException e) {
      throw new ProfileException(o.where(field) + missing + src + " does not exist");
    }
    if (real.startsWith(realDir) || filesRoots.stream().anyMatch(real::startsWith)) {
      return;
    }
    throw new ProfileException(o.where(field) + key + ": '" + AccountFiles.printable(source)
        + "' is outside " + dir + ", the folder of the profile that names it" + (real.equals(src) ? "" : " (it resolves to "
        + real + ")") + ": copy it there, or allow its folder explicitly", dev.apkimg.Hint.FILES_ROOT);
  }
}
