package dev.apkimg.rootfs;

import dev.apkimg.ApkimgException;
import dev.apkimg.apk.InstallScript;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The planned root filesystem as {@link RootfsMutation}s see and change it: every path the
 * packages and apk put there with its type, mode and owner, and the bytes of files that a
 * mutation asked for. Changes are recorded here and applied when the layer is written, so the
 * packages' bytes are still streamed once and never held in memory.
 *
 * <p>Paths are relative ({@code etc/passwd}); a leading {@code /} is accepted and dropped.
 * Symlinks in a path's folders are followed within the image, as the file system would, so a
 * change is recorded (and written to the layer) where it lands, never through a link.
 */
public final class RootfsTree {
  public enum Type { DIRECTORY, FILE, SYMLINK, HARDLINK, CHAR_DEVICE, BLOCK_DEVICE, FIFO }

  /** One path: for symlinks {@code link} is the target as written, for hardlinks the linked path. */
  public record Entry(String path, Type type, int mode, long uid, long gid, String link) {
    public boolean isDirectory() {
      return type == Type.DIRECTORY;
    }
  }

  /**
   * A changed or new path. Bytes come from {@code content}, from {@code hostFile}, or (when
   * {@code metadataOnly}) stay those the package or apk ships.
   */
  record Change(Entry entry, byte[] content, Path hostFile, long hostSize, boolean metadataOnly) {}

  /** The install scripts of one installed package, for the script interpreter. */
  record PackageScripts(String nameVersion, List<InstallScript> scripts) {}

  private final long timestamp;
  private final Map<String, Entry> base;
  private final Map<String, byte[]> baseContent;
  private final List<PackageScripts> scripts;
  private final boolean busyboxLinks;
  private final TreeMap<String, Change> changes = new TreeMap<>();
  private final List<ScriptReport> reports = new ArrayList<>();

  RootfsTree(long timestamp, Map<String, Entry> base, Map<String, byte[]> baseContent,
      List<PackageScripts> scripts, boolean busyboxLinks) {
    this.timestamp = timestamp;
    this.base = base;
    this.baseContent = baseContent;
    this.scripts = List.copyOf(scripts);
    this.busyboxLinks = busyboxLinks;
  }

  /** The time every entry is clamped to (epoch seconds); also "today" for account files. */
  public long timestamp() {
    return timestamp;
  }

  /** The entry at {@code path}; symlinks in its folders are followed, as the file system would. */
  public Optional<Entry> entry(String path) {
    return Optional.ofNullable(lookup(canonical(clean(path), false)));
  }

  /** The entry stored at exactly {@code p} (a canonical path), or null. */
  private Entry lookup(String p) {
    Change c = changes.get(p);
    return c != null ? c.entry() : base.get(p);
  }

  public boolean exists(String path) {
    return entry(path).isPresent();
  }

  /** Every path in the tree, sorted. */
  public NavigableSet<String> paths() {
    TreeSet<String> all = new TreeSet<>(base.keySet());
    all.addAll(changes.keySet());
    return all;
  }

  /** The paths strictly below {@code dir}, sorted. */
  public List<String> below(String dir) {
    String prefix = canonical(clean(dir), true) + "/";
    return new ArrayList<>(paths().subSet(prefix, true, prefix + Character.MAX_VALUE, false));
  }

  /**
   * The bytes of a regular file, if it exists. A shipped file's bytes are known only when a
   * mutation named it in {@link RootfsMutation#reads()}.
   */
  public Optional<byte[]> content(String path) {
    String p = canonical(clean(path), false);
    Optional<Entry> e = Optional.ofNullable(lookup(p));
    if (e.isEmpty() || e.get().type() != Type.FILE) {
      return Optional.empty();
    }
    Change c = changes.get(p);
    if (c != null && c.content() != null) {
      return Optional.of(c.content().clone());
    }
    if (c != null && c.hostFile() != null) {
      try {
        return Optional.of(Files.readAllBytes(c.hostFile()));
      } catch (IOException ex) {
        throw new ApkimgException("cannot read " + c.hostFile() + ": " + ex.getMessage(), ex);
      }
    }
    byte[] b = baseContent.get(p);
    if (b == null) {
      throw new IllegalStateException("the bytes of " + p + " were not captured: name it in RootfsMutation.reads()");
    }
    return Optional.of(b.clone());
  }

  /**
   * The path with every symlink followed, the last component's too (within the image), as
   * chown and chmod do.
   */
  public String resolve(String path) {
    String p = canonical(clean(path), true);
    if (p.isEmpty()) {
      throw new ApkimgException("the image's root directory cannot be changed here: " + path);
    }
    return p;
  }

  /** Sets the permission bits (setuid, setgid, sticky included) of an existing path. */
  public void chmod(String path, int mode) {
    Entry e = existing(path);
    if (e.type() == Type.SYMLINK) {
      return; // a symlink's own mode means nothing
    }
    put(new Entry(e.path(), e.type(), mode & 07777, e.uid(), e.gid(), e.link()));
  }

  /** Sets the numeric owner of an existing path (the link itself for a symlink). */
  public void chown(String path, long uid, long gid) {
    Entry e = existing(path);
    put(new Entry(e.path(), e.type(), e.mode(), uid, gid, e.link()));
  }

  /**
   * Makes a directory and any missing parents (those {@code 0755} root); an existing directory
   * gets the mode and owner given.
   */
  public void mkdirs(String path, int mode, long uid, long gid) {
    String p = canonicalParent(clean(path));
    Entry existing = lookup(p);
    if (existing != null && existing.type() == Type.SYMLINK) {
      String target = canonical(p, true);
      if (!target.isEmpty() && lookup(target) != null && lookup(target).isDirectory()) {
        p = target; // mkdir -p through a link to a directory: that directory
      }
    }
    parents(p);
    Optional<Entry> e = entry(p);
    if (e.isPresent() && !e.get().isDirectory()) {
      throw new ApkimgException("cannot make directory /" + p + ": it exists and is not a directory");
    }
    put(new Entry(p, Type.DIRECTORY, mode & 07777, uid, gid, null));
  }

  /** Creates or replaces a regular file; missing parents are made {@code 0755} root. */
  public void writeFile(String path, byte[] content, int mode, long uid, long gid) {
    String p = replaceable(path);
    changes.put(p, new Change(new Entry(p, Type.FILE, mode & 07777, uid, gid, null), content.clone(), null, 0, false));
  }

  /** Like {@link #writeFile} with a host file's bytes, read when the layer is written. */
  public void copyFile(String path, Path hostFile, int mode, long uid, long gid) {
    String p = replaceable(path);
    long size;
    try {
      if (!Files.isRegularFile(hostFile, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(hostFile)) {
        throw new ApkimgException("cannot copy " + hostFile + ": not a regular file");
      }
      size = Files.size(hostFile);
    } catch (IOException ex) {
      throw new ApkimgException("cannot read " + hostFile + ": " + ex.getMessage(), ex);
    }
    changes.put(p, new Change(new Entry(p, Type.FILE, mode & 07777, uid, gid, null), null, hostFile, size, false));
  }

  public void symlink(String path, String target, long uid, long gid) {
    if (target == null || target.isEmpty() || PackageEntryRules.hasControlCharacter(target)) {
      throw new ApkimgException("cannot make the symlink /" + clean(path) + ": its target "
          + dev.apkimg.tar.TarFormatException.quote(String.valueOf(target)) + " is empty or has a control character");
    }
    String p = replaceable(path);
    changes.put(p, new Change(new Entry(p, Type.SYMLINK, 0777, uid, gid, target), null, null, 0, false));
  }

  /** A hardlink to an existing regular file; it shares that file's mode and owner. */
  public void hardlink(String path, String target) {
    Entry t = existing(target);
    if (t.type() == Type.HARDLINK) {
      t = existing(t.link());
    }
    if (t.type() != Type.FILE) {
      throw new ApkimgException("cannot hardlink /" + clean(path) + " to /" + t.path() + ": not a regular file");
    }
    String p = replaceable(path);
    changes.put(p, new Change(new Entry(p, Type.HARDLINK, t.mode(), t.uid(), t.gid(), t.path()), null, null, 0, false));
  }

  // ---------------------------------------------------------------- for LayerWriter and the script interpreter

  List<PackageScripts> scripts() {
    return scripts;
  }

  boolean busyboxLinks() {
    return busyboxLinks;
  }

  void report(ScriptReport r) {
    reports.add(r);
  }

  List<ScriptReport> reports() {
    return List.copyOf(reports);
  }

  Change change(String path) {
    return changes.get(path);
  }

  /** Changed paths in the order they are written: by path, hardlinks last so their targets come first. */
  List<Change> changesInOrder() {
    List<Change> out = new ArrayList<>();
    changes.values().stream().filter(c -> c.entry().type() != Type.HARDLINK).forEach(out::add);
    changes.values().stream().filter(c -> c.entry().type() == Type.HARDLINK).forEach(out::add);
    return out;
  }

  /** The bytes apk or a package ships at {@code path}, when captured. */
  byte[] baseContent(String path) {
    return baseContent.get(path);
  }

  static String clean(String path) {
    return TreePaths.clean(path);
  }

  /** {@link TreePaths#canonical} over this tree. */
  private String canonical(String path, boolean followLast) {
    return TreePaths.canonical(path, followLast, this::lookup);
  }

  /** {@link TreePaths#canonicalParent} over this tree. */
  private String canonicalParent(String p) {
    return TreePaths.canonicalParent(p, this::lookup);
  }

  private Entry existing(String path) {
    String p = clean(path);
    return entry(p).orElseThrow(() -> new ApkimgException("/" + p + " does not exist in the image"));
  }

  private String replaceable(String path) {
    String p = canonicalParent(clean(path));
    parents(p);
    Optional<Entry> e = entry(p);
    if (e.isPresent() && e.get().isDirectory()) {
      throw new ApkimgException("cannot replace directory /" + p + " with a file or link");
    }
    return p;
  }

  private void parents(String p) {
    int i = p.indexOf('/');
    while (i > 0) {
      String parent = p.substring(0, i);
      Optional<Entry> e = entry(parent);
      if (e.isEmpty()) {
        put(new Entry(parent, Type.DIRECTORY, 0755, 0, 0, null));
      } else if (!e.get().isDirectory()) {
        throw new ApkimgException("/" + parent + " is not a directory");
      }
      i = p.indexOf('/', i + 1);
    }
  }

  private void put(Entry e) {
    Change old = changes.get(e.path());
    if (old != null) {
      changes.put(e.path(), new Change(e, old.content(), old.hostFile(), old.hostSize(), old.metadataOnly()));
    } else {
      changes.put(e.path(), new Change(e, null, null, 0, base.containsKey(e.path())));
    }
  }
}
