package dev.apkimg.cli;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * A file tree as extracting a tar would make it, one {@link Node} per path, without touching a
 * filesystem: hardlink members take their target's metadata (they share its inode), later members
 * replace earlier ones (as tar extraction does, but the duplicate is remembered). Modification
 * times are left out on purpose: apk stamps install time, apkimg the build date.
 */
record TreeSnapshot(Map<String, Node> nodes, Map<String, byte[]> contents, List<String> problems) {

  /** What a path is; {@code hardlinks} lists every path sharing its inode (empty when it has none). */
  record Node(String type, int mode, long uid, long gid, String target, long size, String sha256, String device,
      Map<String, String> xattrs, List<String> hardlinks) {
    Node withHardlinks(List<String> group) {
      return new Node(type, mode, uid, gid, target, size, sha256, device, xattrs, group);
    }
  }

  /** One difference: {@code apk} is apk-tools' value, {@code ours} apkimg's. */
  record Difference(String path, String field, String apk, String ours) {
    @Override
    public String toString() {
      return path + ": " + field + " apk=" + apk + " ours=" + ours;
    }
  }

  /** Which differences are documented exceptions; the contents are given for field "content" only. */
  @FunctionalInterface
  interface Exceptions {
    boolean covers(String path, String field, byte[] apkContent, byte[] ourContent);
  }

  /** The tree that extracting {@code entries} gives. */
  static TreeSnapshot of(List<TarStream.Entry> entries) {
    Map<String, Node> nodes = new TreeMap<>();
    Map<String, byte[]> contents = new TreeMap<>();
    Map<String, String> inode = new LinkedHashMap<>(); // path -> first path of its hardlink group
    List<String> problems = new ArrayList<>();
    for (TarStream.Entry e : entries) {
      String path = normalize(e.name());
      if (nodes.containsKey(path)) {
        problems.add(path + ": appears more than once in the tar (the later entry wins on extraction)");
      }
      if (e.isHardlink()) {
        String target = normalize(e.linkName());
        Node t = nodes.get(target);
        if (t == null) {
          problems.add(path + ": hardlink to " + target + ", which no earlier entry created");
          continue;
        }
        nodes.put(path, t);
        contents.put(path, contents.get(target));
        inode.put(path, inode.getOrDefault(target, target));
        inode.putIfAbsent(target, target);
        continue;
      }
      inode.remove(path);
      String type = switch (e.type()) {
        case '0', '7' -> "file";
        case '2' -> "symlink";
        case '3' -> "char";
        case '4' -> "block";
        case '5' -> "dir";
        case '6' -> "fifo";
        default -> "unknown type '" + e.type() + "'";
      };
      boolean file = type.equals("file");
      nodes.put(path, new Node(type, e.mode() & 07777, e.uid(), e.gid(),
          type.equals("symlink") ? e.linkName() : null,
          file ? e.content().length : 0, file ? sha256(e.content()) : null,
          type.equals("char") || type.equals("block") ? e.devMajor() + ":" + e.devMinor() : null,
          xattrs(e.pax()), List.of()));
      if (file) {
        contents.put(path, e.content());
      } else {
        contents.remove(path);
      }
    }
    Map<String, TreeSet<String>> groups = new LinkedHashMap<>();
    inode.forEach((path, first) -> groups.computeIfAbsent(first, k -> new TreeSet<>()).add(path));
    for (TreeSet<String> group : groups.values()) {
      for (String path : group) {
        nodes.put(path, nodes.get(path).withHardlinks(List.copyOf(group)));
      }
    }
    return new TreeSnapshot(nodes, contents, problems);
  }

  /**
   * Every difference from {@code apk} to this tree, path by path, field by field; {@code exempt}
   * says which are documented exceptions. Field "present" covers a path that
   * only one side has.
   */
  List<Difference> differencesFrom(TreeSnapshot apk, Exceptions exempt) {
    List<Difference> out = new ArrayList<>();
    TreeSet<String> paths = new TreeSet<>(apk.nodes.keySet());
    paths.addAll(nodes.keySet());
    for (String path : paths) {
      Node a = apk.nodes.get(path);
      Node o = nodes.get(path);
      if (a == null || o == null) {
        if (!exempt.covers(path, "present", null, null)) {
          out.add(new Difference(path, "present", a == null ? "absent" : describe(a),
              o == null ? "absent" : describe(o)));
        }
        continue;
      }
      field(out, exempt, path, "type", a.type(), o.type());
      field(out, exempt, path, "mode", octal(a.mode()), octal(o.mode()));
      field(out, exempt, path, "uid", a.uid(), o.uid());
      field(out, exempt, path, "gid", a.gid(), o.gid());
      field(out, exempt, path, "symlink target", a.target(), o.target());
      field(out, exempt, path, "device", a.device(), o.device());
      field(out, exempt, path, "xattrs", a.xattrs(), o.xattrs());
      field(out, exempt, path, "hardlinks", a.hardlinks(), o.hardlinks());
      if (!Objects.equals(a.sha256(), o.sha256())
          && !exempt.covers(path, "content", apk.contents.get(path), contents.get(path))) {
        out.add(new Difference(path, "content", summary(a), summary(o)));
        out.addAll(lineDiff(path, apk.contents.get(path), contents.get(path)));
      }
    }
    return out;
  }

  private static void field(List<Difference> out, Exceptions exempt, String path, String field, Object apk,
      Object ours) {
    if (!Objects.equals(apk, ours) && !exempt.covers(path, field, null, null)) {
      out.add(new Difference(path, field, String.valueOf(apk), String.valueOf(ours)));
    }
  }

  /** For small text files (the apk database), the first few differing lines, so a failure says what. */
  static List<Difference> lineDiff(String path, byte[] apk, byte[] ours) {
    if (apk == null || ours == null || apk.length > 1 << 20 || ours.length > 1 << 20 || !isText(apk)
        || !isText(ours)) {
      return List.of();
    }
    List<String> a = new String(apk, StandardCharsets.UTF_8).lines().toList();
    List<String> o = new String(ours, StandardCharsets.UTF_8).lines().toList();
    List<Difference> out = new ArrayList<>();
    for (int i = 0; i < Math.max(a.size(), o.size()) && out.size() < 10; i++) {
      String x = i < a.size() ? a.get(i) : "<end>";
      String y = i < o.size() ? o.get(i) : "<end>";
      if (!x.equals(y)) {
        out.add(new Difference(path, "  line " + (i + 1), quote(x), quote(y)));
      }
    }
    return out;
  }

  private static String describe(Node n) {
    return n.type() + " " + octal(n.mode()) + " " + n.uid() + ":" + n.gid()
        + (n.target() != null ? " -> " + n.target() : "") + (n.sha256() != null ? " " + summary(n) : "")
        + (n.device() != null ? " dev " + n.device() : "");
  }

  private static String summary(Node n) {
    return n.sha256() == null ? "(no content)" : n.size() + " bytes sha256:" + n.sha256().substring(0, 12);
  }

  private static String octal(int mode) {
    return String.format("%04o", mode);
  }

  private static String quote(String s) {
    return "\"" + s + "\"";
  }

  private static boolean isText(byte[] b) {
    for (byte c : b) {
      if (c == 0) {
        return false;
      }
    }
    return true;
  }

  /** {@code ./usr/bin/} -> {@code usr/bin}; the root itself becomes {@code "."}. */
  static String normalize(String name) {
    String p = name;
    while (p.startsWith("./") || p.startsWith("/")) {
      p = p.startsWith("./") ? p.substring(2) : p.substring(1);
    }
    while (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p.isEmpty() || p.equals(".") ? "." : p;
  }

  /** Extended attributes from PAX headers (GNU tar's SCHILY.xattr.*, libarchive's base64 form), as hex. */
  static Map<String, String> xattrs(Map<String, byte[]> pax) {
    Map<String, String> out = new TreeMap<>();
    pax.forEach((key, value) -> {
      if (key.startsWith("SCHILY.xattr.")) {
        out.put(key.substring("SCHILY.xattr.".length()), HexFormat.of().formatHex(value));
      } else if (key.startsWith("LIBARCHIVE.xattr.")) {
        String name = java.net.URLDecoder.decode(key.substring("LIBARCHIVE.xattr.".length()), StandardCharsets.UTF_8);
        out.put(name, HexFormat.of().formatHex(Base64.getDecoder().decode(value)));
      }
    });
    return out;
  }

  static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String toString() {
    return nodes.entrySet().stream().map(e -> e.getKey() + " " + describe(e.getValue()))
        .collect(Collectors.joining("\n"));
  }
}
