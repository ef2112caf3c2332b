package dev.apkimg.rootfs;

import dev.apkimg.ApkimgException;
import dev.apkimg.apk.InstallScript;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.Set;
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
 * change is recorded (and written to the layer) where it lands, never through a link. A file and
 * its hardlinks are one inode, as on a file system: a mode or owner change applies to every name,
 * and replacing one name leaves the others the inode (then one of them is the regular file).
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
  /** The package that shipped each path the packages put there. */
  private final Map<String, dev.apkimg.apk.PackageInfo> shippedBy;
  private static final TreeSet<String> NO_LINKS = new TreeSet<>();

  private final TreeMap<String, Change> changes = new TreeMap<>();
  /**
   * The hardlinks that link to each path, kept up to date with every change: the names of one
   * inode, which a change of mode or owner changes together and a replaced name leaves.
   */
  private final Map<String, TreeSet<String>> linksTo = new HashMap<>();
  private final List<ScriptReport> reports = new ArrayList<>();

  RootfsTree(long timestamp, Map<String, Entry> base, Map<String, byte[]> baseContent,
      List<PackageScripts> scripts, boolean busyboxLinks, Map<String, dev.apkimg.apk.PackageInfo> shippedBy) {
    this.shippedBy = shippedBy;
    this.timestamp = timestamp;
    this.base = base;
    this.baseContent = baseContent;
    this.scripts = List.copyOf(scripts);
    this.busyboxLinks = busyboxLinks;
    for (Entry e : base.values()) {
      if (e.type() == Type.HARDLINK) {
        linksTo.computeIfAbsent(e.link(), k -> new TreeSet<>()).add(e.path());
      }
    }
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

  /** The package that shipped what is at exactly {@code path} (a clean path, no links followed), if a package did. */
  public Optional<dev.apkimg.apk.PackageInfo> shippedBy(String path) {
    return Optional.ofNullable(shippedBy.get(clean(path)));
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

  /**
   * Sets the permission bits (setuid, setgid, sticky included) of an existing path; for a file
   * with hardlinks, of every name of it, as they are one inode.
   */
  public void chmod(String path, int mode) {
    Entry e = existing(path);
    if (e.type() == Type.SYMLINK) {
      return; // a symlink's own mode means nothing
    }
    for (Entry m : sameInode(e)) {
      put(new Entry(m.path(), m.type(), mode & 07777, m.uid(), m.gid(), m.link()));
    }
  }

  /**
   * Sets the numeric owner of an existing path (the link itself for a symlink; every name of a
   * file with hardlinks).
   */
  public void chown(String path, long uid, long gid) {
    for (Entry m : sameInode(existing(path))) {
      put(new Entry(m.path(), m.type(), m.mode(), uid, gid, m.link()));
    }
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
    detach(p);
    record(new Change(new Entry(p, Type.FILE, mode & 07777, uid, gid, null), content.clone(), null, 0, false));
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
    detach(p);
    record(new Change(new Entry(p, Type.FILE, mode & 07777, uid, gid, null), null, hostFile, size, false));
  }

  public void symlink(String path, String target, long uid, long gid) {
    if (target == null || target.isEmpty() || PackageEntryRules.hasControlCharacter(target)) {
      throw new ApkimgException("cannot make the symlink /" + clean(path) + ": its target "
          + dev.apkimg.tar.TarFormatException.quote(String.valueOf(target)) + " is empty or has a control character");
    }
    String p = replaceable(path);
    detach(p);
    record(new Change(new Entry(p, Type.SYMLINK, 0777, uid, gid, target), null, null, 0, false));
  }

  /** A hardlink to an existing regular file (or to a hardlink's file); it shares that file's mode and owner. */
  public void hardlink(String path, String target) {
    Entry named = existing(target);
    Entry t = lookup(inode(named.path()).get(0));
    if (t == null || t.type() != Type.FILE) {
      throw new ApkimgException("cannot hardlink /" + clean(path) + " to /" + named.path() + ": not a regular file");
    }
    String p = replaceable(path);
    if (p.equals(t.path())) {
      throw new ApkimgException("cannot hardlink /" + p + " to /" + named.path() + ": they are the same file");
    }
    detach(p);
    record(new Change(new Entry(p, Type.HARDLINK, t.mode(), t.uid(), t.gid(), t.path()), null, null, 0, false));
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

  /** The entry stored at exactly {@code path} (as changed), or null. */
  Entry at(String path) {
    return lookup(path);
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
      record(new Change(e, old.content(), old.hostFile(), old.hostSize(), old.metadataOnly()));
    } else {
      record(new Change(e, null, null, 0, base.containsKey(e.path())));
    }
  }

  /** Stores a change, keeping {@link #linksTo} in step. */
  private void record(Change c) {
    String p = c.entry().path();
    Entry old = lookup(p);
    if (old != null && old.type() == Type.HARDLINK) {
      TreeSet<String> links = linksTo.get(old.link());
      if (links != null) {
        links.remove(p);
        if (links.isEmpty()) {
          linksTo.remove(old.link());
        }
      }
    }
    changes.put(p, c);
    if (c.entry().type() == Type.HARDLINK) {
      linksTo.computeIfAbsent(c.entry().link(), k -> new TreeSet<>()).add(p);
    }
  }

  /**
   * The names of the inode at {@code path}: the regular file that the hardlinks lead to first,
   * then every hardlink to it (and to those), each group by path. Just {@code path} when it has
   * no hardlinks.
   */
  private List<String> inode(String path) {
    String file = path;
    Set<String> seen = new HashSet<>();
    for (Entry e = lookup(file); e != null && e.type() == Type.HARDLINK && seen.add(file); e = lookup(file)) {
      file = e.link();
    }
    List<String> names = new ArrayList<>(List.of(file));
    Set<String> in = new HashSet<>(names);
    for (int i = 0; i < names.size(); i++) {
      for (String l : linksTo.getOrDefault(names.get(i), NO_LINKS)) {
        if (in.add(l)) {
          names.add(l);
        }
      }
    }
    return names;
  }

  /** The entries of every name of {@code e}'s inode ({@code e} alone unless a file or hardlink). */
  private List<Entry> sameInode(Entry e) {
    if (e.type() != Type.FILE && e.type() != Type.HARDLINK) {
      return List.of(e);
    }
    List<Entry> out = new ArrayList<>();
    for (String name : inode(e.path())) {
      Entry m = lookup(name);
      if (m != null && (m.type() == Type.FILE || m.type() == Type.HARDLINK)) {
        out.add(m);
      }
    }
    return out.isEmpty() ? List.of(e) : out;
  }

  /**
   * Takes {@code p} out of its hardlink group before something else is put there, as a file
   * system does: the other names keep the inode. Hardlinks to a hardlink at {@code p} then link
   * to its file. When {@code p} is the group's file, another name becomes the file, with the same
   * bytes, mode and owner, and the rest link to it: the first by path of the hardlinks the package
   * shipped (the layer writes it with the package's bytes, at the place of the file in the
   * package), else, when the tree holds the bytes, the first by path.
   */
  private void detach(String p) {
    Entry old = lookup(p);
    TreeSet<String> direct = linksTo.get(p);
    if (old == null || direct == null || direct.isEmpty()) {
      return;
    }
    if (old.type() == Type.HARDLINK) {
      for (String l : new ArrayList<>(direct)) {
        relink(l, old.link());
      }
      return;
    }
    List<String> others = new ArrayList<>(inode(p));
    others.remove(p);
    others.sort(null);
    Change c = changes.get(p);
    boolean bytesHere = c != null && !c.metadataOnly();
    String carrier = bytesHere ? null : others.stream().filter(this::shippedHardlink).findFirst().orElse(null);
    Entry file;
    if (carrier != null) {
      file = new Entry(carrier, Type.FILE, old.mode(), old.uid(), old.gid(), null);
      record(new Change(file, null, null, 0, true));
    } else {
      byte[] held = bytesHere ? c.content() : baseContent.get(p);
      if (held == null && !(bytesHere && c.hostFile() != null)) {
        throw new ApkimgException("cannot replace /" + p + ": /" + others.get(0) + " is a hardlink to it, made after"
            + " the packages were installed, and apkimg does not hold the file's bytes; make the hardlink after"
            + " replacing /" + p + ", or make it a copy");
      }
      carrier = others.get(0);
      file = new Entry(carrier, Type.FILE, old.mode(), old.uid(), old.gid(), null);
      record(new Change(file, held, bytesHere ? c.hostFile() : null, bytesHere ? c.hostSize() : 0, false));
    }
    for (String o : others) {
      if (!o.equals(carrier)) {
        relink(o, carrier);
      }
    }
  }

  /** Whether {@code q} is a hardlink that a package shipped (perhaps with a new mode, owner or target). */
  private boolean shippedHardlink(String q) {
    Entry b = base.get(q);
    Change c = changes.get(q);
    return b != null && b.type() == Type.HARDLINK && (c == null || c.metadataOnly());
  }

  /** Points hardlink {@code l} at {@code target}, keeping where its entry comes from. */
  private void relink(String l, String target) {
    Entry e = lookup(l);
    Entry moved = new Entry(l, Type.HARDLINK, e.mode(), e.uid(), e.gid(), target);
    Change c = changes.get(l);
    record(c != null ? new Change(moved, c.content(), c.hostFile(), c.hostSize(), c.metadataOnly())
        : new Change(moved, null, null, 0, true));
  }
}
