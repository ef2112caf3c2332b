package dev.apkimg.rootfs;

import dev.apkimg.ApkimgException;
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
    return AccountFieldRules.nameProblem(name);
  }

  /** Why {@code path} is no home directory or login shell for etc/passwd, or null. */
  public static String pathProblem(String path) {
    return AccountFieldRules.pathProblem(path);
  }

  /** Why {@code id} is no uid or gid, or null. */
  public static String idProblem(long id) {
    return AccountFieldRules.idProblem(id);
  }

  /** Why a GECOS field cannot be written to etc/passwd, or null. */
  static String gecosProblem(String gecos) {
    return AccountFieldRules.gecosProblem(gecos);
  }

  /** {@code s} for a one-line message: control characters escaped, at most 64 characters. */
  public static String printable(String s) {
    return AccountFieldRules.printable(s);
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
    return new AccountFiles(AccountFileText.lines(tree, PASSWD), AccountFileText.lines(tree, GROUP),
        AccountFileText.lines(tree, SHADOW));
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
    AccountFileText.write(tree, PASSWD, passwd, 0644);
    AccountFileText.write(tree, GROUP, group, 0644);
    AccountFileText.write(tree, SHADOW, shadow, 0640);
    AccountFileText.writeBackup(tree, PASSWD, passwdBackup);
    AccountFileText.writeBackup(tree, GROUP, groupBackup);
    AccountFileText.writeBackup(tree, SHADOW, shadowBackup);
    changed = false;
  }

  private List<String> backup(List<String> lines) {
    return backups && lines != null ? new ArrayList<>(lines) : null;
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
