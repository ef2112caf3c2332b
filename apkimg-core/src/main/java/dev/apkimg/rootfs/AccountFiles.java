package dev.apkimg.rootfs;

import dev.apkimg.ApkimgException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The image's {@code etc/passwd}, {@code etc/group} and {@code etc/shadow} as lines, edited the
 * way busybox's {@code adduser}/{@code addgroup} edit them: new entries appended, members
 * appended with a comma, every other line kept byte for byte. Every field added is checked
 * ({@link #nameProblem}, {@link #pathProblem}, {@link #idProblem}): a ':', ',' or newline in one
 * would add fields, members or whole accounts (a second uid 0).
 */
public final class AccountFiles {
  public static final String PASSWD = "etc/passwd";
  public static final String GROUP = "etc/group";
  public static final String SHADOW = "etc/shadow";
  /** The files a mutation using this class must ask for in {@link RootfsMutation#reads()}. */
  public static final java.util.Set<String> FILES = java.util.Set.of(PASSWD, GROUP, SHADOW);

  /** busybox's CONFIG_FIRST_SYSTEM_ID, CONFIG_LAST_SYSTEM_ID and CONFIG_LAST_ID in Alpine. */
  static final long FIRST_SYSTEM_ID = 100;
  static final long LAST_SYSTEM_ID = 999;
  static final long LAST_ID = 256000;

  /**
   * The largest uid and gid: 2^32-2. 2^32-1 is {@code (uid_t)-1}, which chown and setuid read as
   * "no change", and nothing bigger fits in 32 bits.
   */
  public static final long MAX_ID = 4294967294L;
  /** The longest user or group name: shadow's limit (utmp's ut_user); busybox allows more, login does not. */
  public static final int MAX_NAME_LENGTH = 32;

  /**
   * Why {@code name} is not a user or group name, or null: busybox's die_if_bad_username
   * (a letter, digit or '_' first, then also '.' and '-', a '$' only at the end), at most
   * {@link #MAX_NAME_LENGTH} characters, and not all digits (it would read as an id).
   */
  public static String nameProblem(String name) {
    if (name == null || name.isEmpty()) {
      return "a name is missing";
    }
    if (name.length() > MAX_NAME_LENGTH) {
      return "'" + printable(name) + "' is longer than " + MAX_NAME_LENGTH + " characters";
    }
    if (!name.matches("[A-Za-z0-9_][A-Za-z0-9_.-]*\\$?")) {
      return "'" + printable(name) + "' is not a valid name: use letters, digits, '_', '.' and '-',"
          + " not starting with '.' or '-' (a '$' may end it)";
    }
    if (name.matches("[0-9]+")) {
      return "'" + name + "' is all digits: a name must not read as a uid or gid";
    }
    return null;
  }

  /** Why {@code path} is no home directory or login shell for etc/passwd, or null. */
  public static String pathProblem(String path) {
    if (path == null || !path.startsWith("/")) {
      return "'" + printable(path) + "' is not an absolute path";
    }
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == ':' || c == ',' || c < 0x20 || c == 0x7f) {
        return "'" + printable(path) + "' contains " + (c == ':' || c == ',' ? "'" + c + "'" : "a control character")
            + ": etc/passwd cannot hold it";
      }
    }
    for (String part : path.split("/")) {
      if (part.equals("..")) {
        return "'" + printable(path) + "' contains '..'";
      }
    }
    return null;
  }

  /** Why {@code id} is no uid or gid, or null. */
  public static String idProblem(long id) {
    return id < 0 || id > MAX_ID ? id + " is not from 0 to " + MAX_ID : null;
  }

  /** Why a GECOS field cannot be written to etc/passwd, or null. */
  static String gecosProblem(String gecos) {
    for (int i = 0; i < gecos.length(); i++) {
      char c = gecos.charAt(i);
      if (c == ':' || c < 0x20 || c == 0x7f) {
        return "'" + printable(gecos) + "' contains " + (c == ':' ? "':'" : "a control character");
      }
    }
    return null;
  }

  /** {@code s} for a one-line message: control characters escaped, at most 64 characters. */
  public static String printable(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder sb = new StringBuilder();
    int i = 0;
    for (; i < s.length() && sb.length() < 64; i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> sb.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
      }
    }
    return i < s.length() ? sb + "..." : sb.toString();
  }

  private static void require(String what, String problem) {
    if (problem != null) {
      throw new ApkimgException("etc/passwd, etc/group: refusing " + what + ": " + problem);
    }
  }

  private List<String> passwd;
  private List<String> group;
  private List<String> shadow;
  private boolean changed;
  // busybox renames each file to FILE- before writing the new one: the state before the last change.
  private boolean backups;
  private List<String> passwdBackup;
  private List<String> groupBackup;
  private List<String> shadowBackup;

  private AccountFiles(List<String> passwd, List<String> group, List<String> shadow) {
    this.passwd = passwd;
    this.group = group;
    this.shadow = shadow;
  }

  public static AccountFiles read(RootfsTree tree) {
    return new AccountFiles(lines(tree, PASSWD), lines(tree, GROUP), lines(tree, SHADOW));
  }

  /**
   * Keep {@code etc/passwd-}, {@code etc/group-} and {@code etc/shadow-} as busybox's adduser and
   * addgroup leave them: each holds its file as it was before the last change. For install
   * scripts, whose effects must equal apk's; the profile's own accounts make none.
   */
  public AccountFiles withBusyboxBackups() {
    this.backups = true;
    return this;
  }

  public boolean hasPasswd() {
    return passwd != null;
  }

  public boolean hasGroup() {
    return group != null;
  }

  /** Creates empty files where missing (apko does, for the profile's accounts). */
  public void createMissing() {
    if (passwd == null) {
      passwd = new ArrayList<>();
      changed = true;
    }
    if (group == null) {
      group = new ArrayList<>();
      changed = true;
    }
  }

  public Optional<Long> gid(String groupName) {
    return field(group, 0, groupName, 2).map(Long::parseLong);
  }

  public Optional<String> groupName(long gid) {
    return find(group, 2, Long.toString(gid)).map(f -> f[0]);
  }

  public Optional<Long> uid(String userName) {
    return field(passwd, 0, userName, 2).map(Long::parseLong);
  }

  public Optional<String> userName(long uid) {
    return find(passwd, 2, Long.toString(uid)).map(f -> f[0]);
  }

  public Optional<String> shell(long uid) {
    return find(passwd, 2, Long.toString(uid)).filter(f -> f.length > 6).map(f -> f[6]);
  }

  public Optional<Long> primaryGid(String userName) {
    return field(passwd, 0, userName, 3).map(Long::parseLong);
  }

  public List<String> members(String groupName) {
    return find(group, 0, groupName).map(f -> f.length > 3 && !f[3].isEmpty() ? List.of(f[3].split(",")) : List.<String>of())
        .orElse(List.of());
  }

  /** Appends {@code name:x:GID:MEMBERS}. */
  public void addGroup(String name, long gid, List<String> members) {
    require("group name", nameProblem(name));
    require("gid of group '" + name + "'", idProblem(gid));
    members.forEach(m -> require("member of group '" + name + "'", nameProblem(m)));
    groupBackup = backup(group);
    group.add(name + ":x:" + gid + ":" + String.join(",", members));
    changed = true;
  }

  /** Appends a member to a group's list, unless it is there already. */
  public void addMember(String groupName, String user) {
    require("member of group '" + printable(groupName) + "'", nameProblem(user));
    for (int i = 0; i < group.size(); i++) {
      String[] f = group.get(i).split(":", -1);
      if (f[0].equals(groupName)) {
        if (members(groupName).contains(user)) {
          return;
        }
        String line = group.get(i);
        groupBackup = backup(group);
        group.set(i, line + (line.endsWith(":") ? "" : ",") + user);
        changed = true;
        return;
      }
    }
    throw new ApkimgException("group '" + groupName + "' does not exist");
  }

  /**
   * Appends the user to passwd and, when the image has a shadow file, a locked password entry
   * dated {@code days} since the epoch, as busybox's adduser writes it.
   */
  public void addUser(String name, long uid, long gid, String gecos, String home, String shell, long days) {
    require("user name", nameProblem(name));
    require("uid of user '" + name + "'", idProblem(uid));
    require("gid of user '" + name + "'", idProblem(gid));
    require("GECOS of user '" + name + "'", gecosProblem(gecos));
    require("home directory of user '" + name + "'", pathProblem(home));
    require("shell of user '" + name + "'", pathProblem(shell));
    passwdBackup = backup(passwd);
    shadowBackup = backup(shadow);
    passwd.add(name + ":x:" + uid + ":" + gid + ":" + gecos + ":" + home + ":" + shell);
    if (shadow != null) {
      shadow.add(name + ":!:" + days + ":0:99999:7:::");
    }
    changed = true;
  }

  /** The first free id in [first, last] (busybox's search), or empty. */
  public Optional<Long> freeGid(long first, long last) {
    for (long id = first; id <= last; id++) {
      if (groupName(id).isEmpty()) {
        return Optional.of(id);
      }
    }
    return Optional.empty();
  }

  /** Writes changed files back, keeping each existing file's mode and owner. */
  public void writeBack(RootfsTree tree) {
    if (!changed) {
      return;
    }
    write(tree, PASSWD, passwd, 0644);
    write(tree, GROUP, group, 0644);
    write(tree, SHADOW, shadow, 0640);
    writeBackup(tree, PASSWD, passwdBackup);
    writeBackup(tree, GROUP, groupBackup);
    writeBackup(tree, SHADOW, shadowBackup);
    changed = false;
  }

  private List<String> backup(List<String> lines) {
    return backups && lines != null ? new ArrayList<>(lines) : null;
  }

  /** {@code FILE-} with the file's owner and mode, as busybox's rename leaves it. */
  private static void writeBackup(RootfsTree tree, String path, List<String> lines) {
    if (lines == null) {
      return;
    }
    Optional<RootfsTree.Entry> file = tree.entry(path);
    StringBuilder sb = new StringBuilder();
    for (String l : lines) {
      sb.append(l).append('\n');
    }
    tree.writeFile(path + "-", sb.toString().getBytes(StandardCharsets.UTF_8),
        file.map(RootfsTree.Entry::mode).orElse(0644), file.map(RootfsTree.Entry::uid).orElse(0L),
        file.map(RootfsTree.Entry::gid).orElse(0L));
  }

  private static void write(RootfsTree tree, String path, List<String> lines, int newMode) {
    if (lines == null) {
      return;
    }
    StringBuilder sb = new StringBuilder();
    for (String l : lines) {
      sb.append(l).append('\n');
    }
    byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
    Optional<RootfsTree.Entry> old = tree.entry(path);
    if (old.isPresent() && tree.content(path).map(b -> java.util.Arrays.equals(b, bytes)).orElse(false)) {
      return;
    }
    tree.writeFile(path, bytes, old.map(RootfsTree.Entry::mode).orElse(newMode),
        old.map(RootfsTree.Entry::uid).orElse(0L), old.map(RootfsTree.Entry::gid).orElse(0L));
  }

  private static List<String> lines(RootfsTree tree, String path) {
    Optional<RootfsTree.Entry> e = tree.entry(path);
    if (e.isEmpty() || e.get().type() != RootfsTree.Type.FILE) {
      return null;
    }
    String text = new String(tree.content(path).orElseThrow(), StandardCharsets.UTF_8);
    List<String> out = new ArrayList<>();
    for (String l : text.split("\n", -1)) {
      out.add(l);
    }
    if (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) {
      out.remove(out.size() - 1); // the final newline
    }
    return out;
  }

  private static Optional<String[]> find(List<String> lines, int field, String value) {
    if (lines == null) {
      return Optional.empty();
    }
    for (String l : lines) {
      String[] f = l.split(":", -1);
      if (f.length > field && f[field].equals(value)) {
        return Optional.of(f);
      }
    }
    return Optional.empty();
  }

  private static Optional<String> field(List<String> lines, int keyField, String key, int field) {
    return find(lines, keyField, key).filter(f -> f.length > field && f[field].matches("\\d+")).map(f -> f[field]);
  }
}
