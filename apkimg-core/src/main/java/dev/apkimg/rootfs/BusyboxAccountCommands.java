package dev.apkimg.rootfs;

import static dev.apkimg.rootfs.ShellScriptSyntax.number;
import static dev.apkimg.rootfs.ShellScriptSyntax.path;

import dev.apkimg.rootfs.ShellScriptSyntax.Options;
import dev.apkimg.rootfs.ShellScriptSyntax.Unsupported;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * busybox's {@code addgroup} and {@code adduser} on the image's account files, with busybox's id
 * allocation, defaults and refusals. The account files are read once, on the first command that
 * needs them, and written back after each script; kept apart from the file commands because
 * this is where busybox's account rules live.
 */
final class BusyboxAccountCommands {
  private final RootfsTree tree;
  private AccountFiles accounts;

  BusyboxAccountCommands(RootfsTree tree) {
    this.tree = tree;
  }

  /** The image's account files, read on first use. */
  AccountFiles accounts() {
    if (accounts == null) {
      accounts = AccountFiles.read(tree).withBusyboxBackups();
    }
    return accounts;
  }

  /** Writes the account files back to the tree, if a command read them. */
  void writeBack() {
    if (accounts != null) {
      accounts.writeBack(tree);
    }
  }

  /** busybox {@code addgroup [-g GID] [-S] [USER] GROUP}. */
  int addgroup(List<String> args) throws Unsupported {
    Options o = Options.parse(args, "g", "S", Set.of("--gid=g", "--system=S"));
    AccountFiles a = accounts();
    if (o.operands.size() == 2) {
      String user = o.operands.get(0);
      String group = o.operands.get(1);
      if (a.uid(user).isEmpty() || a.gid(group).isEmpty()) {
        return 1;
      }
      a.addMember(group, user);
      return 0;
    }
    if (o.operands.size() != 1 || !a.hasGroup()) {
      return 1;
    }
    String name = o.operands.get(0);
    if (AccountFiles.nameProblem(name) != null) {
      return 1; // busybox: "illegal character" or "name is too long"
    }
    if (a.gid(name).isPresent()) {
      return 1; // "group 'NAME' in use"
    }
    Optional<Long> gid;
    if (o.has('g')) {
      long wanted = number(o.value('g'));
      if (AccountFiles.idProblem(wanted) != null) {
        return 1;
      }
      gid = a.groupName(wanted).isPresent() ? Optional.empty() : Optional.of(wanted);
    } else if (o.has('S')) {
      gid = a.freeGid(AccountFiles.FIRST_SYSTEM_ID, AccountFiles.LAST_SYSTEM_ID);
    } else {
      gid = a.freeGid(AccountFiles.LAST_SYSTEM_ID + 1, AccountFiles.LAST_ID);
    }
    if (gid.isEmpty()) {
      return 1;
    }
    a.addGroup(name, gid.get(), List.of());
    return 0;
  }

  /** busybox {@code adduser [-h DIR] [-g GECOS] [-s SHELL] [-G GRP] [-S] [-D] [-H] [-u UID] USER [GROUP]}. */
  int adduser(List<String> args) throws Unsupported {
    Options o = Options.parse(args, "hgsGuk", "DSH", Set.of("--home=h", "--gecos=g", "--shell=s", "--ingroup=G",
        "--uid=u", "--skel=k", "--disabled-password=D", "--system=S", "--no-create-home=H"));
    AccountFiles a = accounts();
    if (o.operands.isEmpty() || o.operands.size() > 2) {
      return 1;
    }
    String name = o.operands.get(0);
    if (o.flags.isEmpty() && o.operands.size() == 2) {
      return addgroup(List.of(name, o.operands.get(1))); // add an existing user to an existing group
    }
    if (!a.hasPasswd()) {
      return 1;
    }
    boolean system = o.has('S');
    String home = o.has('h') ? o.value('h') : "/home/" + name;
    String gecos = o.has('g') ? o.value('g') : "Linux User,,,";
    // Alpine's busybox gives system users /sbin/nologin; others get root's shell.
    String shell = o.has('s') ? o.value('s') : system ? "/sbin/nologin" : rootShell(a);
    String group = o.has('G') ? o.value('G') : system ? "nogroup" : null;
    long gid = -1;
    if (group != null) {
      Optional<Long> g = a.gid(group);
      if (g.isEmpty()) {
        return 1;
      }
      gid = g.get();
    }
    if (a.uid(name).isPresent()) {
      return 1; // "user 'NAME' in use"
    }
    long uid;
    if (o.has('u')) {
      uid = number(o.value('u'));
      if (a.userName(uid).isPresent() || (gid == -1 && a.groupName(uid).isPresent())) {
        return 1;
      }
    } else {
      uid = system ? AccountFiles.FIRST_SYSTEM_ID : AccountFiles.LAST_SYSTEM_ID + 1;
      long max = system ? AccountFiles.LAST_SYSTEM_ID : AccountFiles.LAST_ID;
      while (a.userName(uid).isPresent() || (gid == -1 && a.groupName(uid).isPresent())) {
        if (uid == max) {
          return 1;
        }
        uid++;
      }
    }
    if (gid == -1) {
      gid = uid;
      if (a.gid(name).isPresent()) {
        return 1;
      }
    }
    if (!o.has('H') && tree.entry("etc/skel").map(RootfsTree.Entry::isDirectory).orElse(false)
        && !tree.below("etc/skel").isEmpty()) {
      throw new Unsupported(); // copying /etc/skel is not emulated
    }
    if (AccountFiles.nameProblem(name) != null || AccountFiles.idProblem(uid) != null || AccountFiles.idProblem(gid) != null
        || AccountFiles.pathProblem(home) != null || AccountFiles.pathProblem(shell) != null
        || AccountFiles.gecosProblem(gecos) != null) {
      return 1; // a field etc/passwd cannot hold: refused, as busybox refuses a bad name
    }
    a.addUser(name, uid, gid, gecos, home, shell, Math.floorDiv(tree.timestamp(), 86400));
    if (group != null) {
      a.addMember(group, name);
    } else if (a.hasGroup()) {
      a.addGroup(name, gid, List.of());
    }
    if (!o.has('H')) {
      makeHome(home, uid, gid);
    }
    return 0;
  }

  /** busybox: mkdir HOME 0755 (no parents), then chown and chmod 2755, also when it existed. */
  private void makeHome(String home, long uid, long gid) throws Unsupported {
    String p = path(home);
    int slash = p.lastIndexOf('/');
    String parent = slash < 0 ? null : p.substring(0, slash);
    Optional<RootfsTree.Entry> existing = tree.entry(tree.resolve(p));
    if (existing.isEmpty()) {
      if (parent != null && !tree.entry(tree.resolve(parent)).map(RootfsTree.Entry::isDirectory).orElse(false)) {
        return; // mkdir fails: busybox prints the error and goes on
      }
      tree.mkdirs(p, 02755, uid, gid);
      return;
    }
    String target = tree.resolve(p);
    if (existing.get().type() == RootfsTree.Type.CHAR_DEVICE || existing.get().type() == RootfsTree.Type.BLOCK_DEVICE) {
      // apk creates no device nodes in a chroot's dev; the owner of a placeholder tells nothing.
      return;
    }
    tree.chown(target, uid, gid);
    tree.chmod(target, 02755);
  }

  /** apk runs scripts without $SHELL, so busybox takes root's login shell. */
  private static String rootShell(AccountFiles a) {
    return a.shell(0).orElse("/bin/sh");
  }
}
