package dev.apkimg.rootfs;

import dev.apkimg.tar.TarEntry;

/**
 * A file, directory, symlink or device that apk (not a package) creates: its database and
 * configuration, the folders of an empty root, busybox's applet links. Root-owned, written at the
 * clamp time.
 */
record GeneratedEntry(String path, byte type, int mode, byte[] content, String link, int major, int minor) {
  /** The mode of a folder apk creates without being told one. */
  static final int DEFAULT_DIR_MODE = 0755;

  static GeneratedEntry dir(String path, int mode) {
    return new GeneratedEntry(path, TarEntry.DIRECTORY, mode, null, null, 0, 0);
  }

  static GeneratedEntry file(String path, int mode, byte[] content) {
    return new GeneratedEntry(path, TarEntry.REGULAR, mode, content, null, 0, 0);
  }

  static GeneratedEntry symlink(String path, String target) {
    return new GeneratedEntry(path, TarEntry.SYMLINK, 0777, null, target, 0, 0);
  }

  static GeneratedEntry charDevice(String path, int mode, int major, int minor) {
    return new GeneratedEntry(path, TarEntry.CHARACTER_DEVICE, mode, null, null, major, minor);
  }
}
