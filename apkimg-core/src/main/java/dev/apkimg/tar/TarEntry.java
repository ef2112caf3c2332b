package dev.apkimg.tar;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One tar entry's header, with its extended attributes as raw bytes (binary values such as
 * {@code security.capability} must survive byte for byte) and its other PAX records as text.
 *
 * @param name the path as stored (directories may end in {@code /})
 * @param type the tar type flag ({@link #REGULAR}, {@link #DIRECTORY}, ...)
 * @param mode permission bits including setuid, setgid and sticky ({@code 07777})
 * @param mtime modification time, epoch seconds
 */
public record TarEntry(
    String name,
    byte type,
    int mode,
    long uid,
    long gid,
    long size,
    long mtime,
    String linkName,
    int devMajor,
    int devMinor,
    SortedMap<String, byte[]> xattrs,
    Map<String, String> pax) {

  public static final byte REGULAR = '0';
  public static final byte HARDLINK = '1';
  public static final byte SYMLINK = '2';
  public static final byte CHARACTER_DEVICE = '3';
  public static final byte BLOCK_DEVICE = '4';
  public static final byte DIRECTORY = '5';
  public static final byte FIFO = '6';

  public TarEntry {
    Objects.requireNonNull(name, "name");
    mode &= 07777;
    xattrs = Collections.unmodifiableSortedMap(new TreeMap<>(xattrs == null ? Map.of() : xattrs));
    pax = pax == null ? Map.of() : Map.copyOf(pax);
  }

  public static TarEntry directory(String name, int mode, long uid, long gid, long mtime) {
    return new TarEntry(name, DIRECTORY, mode, uid, gid, 0, mtime, null, 0, 0, null, null);
  }

  public static TarEntry file(String name, int mode, long uid, long gid, long size, long mtime) {
    return new TarEntry(name, REGULAR, mode, uid, gid, size, mtime, null, 0, 0, null, null);
  }

  public static TarEntry symlink(String name, String target, long uid, long gid, long mtime) {
    return new TarEntry(name, SYMLINK, 0777, uid, gid, 0, mtime, target, 0, 0, null, null);
  }

  public static TarEntry characterDevice(String name, int mode, int major, int minor, long mtime) {
    return new TarEntry(name, CHARACTER_DEVICE, mode, 0, 0, 0, mtime, null, major, minor, null, null);
  }

  public boolean isRegular() {
    return type == REGULAR;
  }

  public boolean isDirectory() {
    return type == DIRECTORY;
  }

  public boolean isSymlink() {
    return type == SYMLINK;
  }

  public boolean isHardlink() {
    return type == HARDLINK;
  }

  /** The same entry under another name, with other times or owners: what a layer writer changes. */
  public TarEntry with(String newName, long newMtime) {
    return new TarEntry(newName, type, mode, uid, gid, size, newMtime, linkName, devMajor, devMinor, xattrs, pax);
  }

  /** The same entry with another link target (hardlinks are renamed along with their target). */
  public TarEntry withLinkName(String newLinkName) {
    return new TarEntry(name, type, mode, uid, gid, size, mtime, newLinkName, devMajor, devMinor, xattrs, pax);
  }

  /** The same entry without PAX records other than extended attributes (which the layer keeps). */
  public TarEntry withoutPax() {
    return new TarEntry(name, type, mode, uid, gid, size, mtime, linkName, devMajor, devMinor, xattrs, null);
  }
}
