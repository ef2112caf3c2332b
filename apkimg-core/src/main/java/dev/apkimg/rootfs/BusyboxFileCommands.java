package dev.apkimg.rootfs;

import static dev.apkimg.rootfs.ShellScriptSyntax.path;

import dev.apkimg.rootfs.ShellScriptSyntax.Options;
import dev.apkimg.rootfs.ShellScriptSyntax.Unsupported;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * busybox's file commands on the image's tree: {@code [}/{@code test} of paths, {@code chown},
 * {@code chmod} with octal modes, {@code mkdir} and {@code ln -s}, each with busybox's exit status.
 * What busybox would do that a tree cannot show (symbolic modes, links into folders) is
 * unsupported. Apart from the account commands, as these only change the tree.
 */
final class BusyboxFileCommands {
  private final RootfsTree tree;
  /** chown names users and groups: from the same account files the account commands change. */
  private final BusyboxAccountCommands accounts;

  BusyboxFileCommands(RootfsTree tree, BusyboxAccountCommands accounts) {
    this.tree = tree;
    this.accounts = accounts;
  }

  /** The arguments of {@code [ ... ]} without the closing bracket. */
  static List<String> bracket(List<String> args) throws Unsupported {
    if (args.isEmpty() || !args.get(args.size() - 1).equals("]")) {
      throw new Unsupported();
    }
    return args.subList(0, args.size() - 1);
  }

  /** {@code test [!] -e|-f|-d|-L|-h PATH}. */
  int test(List<String> args) throws Unsupported {
    boolean not = !args.isEmpty() && args.get(0).equals("!");
    List<String> a = not ? args.subList(1, args.size()) : args;
    if (a.size() != 2) {
      throw new Unsupported();
    }
    String path = path(a.get(1));
    Optional<RootfsTree.Entry> e = switch (a.get(0)) {
      case "-L", "-h" -> tree.entry(path);
      case "-e", "-f", "-d" -> tree.entry(tree.resolve(path));
      default -> throw new Unsupported();
    };
    boolean result = switch (a.get(0)) {
      case "-L", "-h" -> e.isPresent() && e.get().type() == RootfsTree.Type.SYMLINK;
      case "-f" -> e.isPresent() && (e.get().type() == RootfsTree.Type.FILE || e.get().type() == RootfsTree.Type.HARDLINK);
      case "-d" -> e.isPresent() && e.get().isDirectory();
      default -> e.isPresent();
    };
    return result != not ? 0 : 1;
  }

  /** busybox {@code chown [-RhfvcHLP] USER[:GROUP] FILE...}. */
  int chown(List<String> args) throws Unsupported {
    Options o = Options.parse(args, "", "RhfvcHLP", Set.of());
    if (o.operands.size() < 2 || o.has('H') || o.has('L')) {
      throw new Unsupported();
    }
    String spec = o.operands.get(0);
    int sep = spec.indexOf(':') >= 0 ? spec.indexOf(':') : spec.indexOf('.');
    String user = sep < 0 ? spec : spec.substring(0, sep);
    String group = sep < 0 ? null : spec.substring(sep + 1);
    AccountFiles a = accounts.accounts();
    Long uid = null;
    Long gid = null;
    if (!user.isEmpty()) {
      Optional<Long> u = user.matches("\\d+") ? Optional.of(Long.parseLong(user)) : a.uid(user);
      if (u.isEmpty()) {
        return 1;
      }
      uid = u.get();
      if (group != null && group.isEmpty()) {
        gid = a.primaryGid(user).orElse(null); // "user:" means the user's login group
      }
    }
    if (group != null && !group.isEmpty()) {
      Optional<Long> g = group.matches("\\d+") ? Optional.of(Long.parseLong(group)) : a.gid(group);
      if (g.isEmpty()) {
        return 1;
      }
      gid = g.get();
    }
    int status = 0;
    for (String file : o.operands.subList(1, o.operands.size())) {
      String p = path(file);
      String target = o.has('h') ? p : tree.resolve(p);
      if (!tree.exists(target)) {
        status = 1;
        continue;
      }
      List<String> all = new ArrayList<>(List.of(target));
      if (o.has('R')) {
        all.addAll(tree.below(target));
      }
      for (String q : all) {
        RootfsTree.Entry e = tree.entry(q).orElseThrow();
        if (!q.equals(target) && e.type() == RootfsTree.Type.SYMLINK) {
          continue;
        }
        tree.chown(q, uid != null ? uid : e.uid(), gid != null ? gid : e.gid());
      }
    }
    return status;
  }

  /** {@code chmod [-R] OCTAL FILE...}; symbolic modes are not carried out. */
  int chmod(List<String> args) throws Unsupported {
    Options o = Options.parse(args, "", "Rfv", Set.of());
    if (o.operands.size() < 2 || !o.operands.get(0).matches("[0-7]{1,4}")) {
      throw new Unsupported();
    }
    int mode = Integer.parseInt(o.operands.get(0), 8);
    int status = 0;
    for (String file : o.operands.subList(1, o.operands.size())) {
      String target = tree.resolve(path(file));
      if (!tree.exists(target)) {
        status = 1;
        continue;
      }
      tree.chmod(target, mode);
      if (o.has('R')) {
        for (String q : tree.below(target)) {
          tree.chmod(q, mode);
        }
      }
    }
    return status;
  }

  /** {@code mkdir [-p] [-m OCTAL] DIR...}, as root with umask 022. */
  int mkdir(List<String> args) throws Unsupported {
    Options o = Options.parse(args, "m", "pv", Set.of("--parents=p", "--mode=m"));
    if (o.has('m') && !o.value('m').matches("[0-7]{1,4}")) {
      throw new Unsupported();
    }
    int mode = o.has('m') ? Integer.parseInt(o.value('m'), 8) : 0755;
    int status = 0;
    for (String dir : o.operands) {
      String p = path(dir);
      if (tree.entry(tree.resolve(p)).map(RootfsTree.Entry::isDirectory).orElse(false)) {
        status = o.has('p') ? status : 1;
        continue;
      }
      if (tree.exists(p)) {
        status = 1;
        continue;
      }
      int slash = p.lastIndexOf('/');
      if (!o.has('p') && slash > 0 && !tree.entry(tree.resolve(p.substring(0, slash))).map(RootfsTree.Entry::isDirectory).orElse(false)) {
        status = 1;
        continue;
      }
      tree.mkdirs(p, mode, 0, 0);
    }
    return status;
  }

  /** {@code ln -s[f] TARGET LINK}. */
  int ln(List<String> args) throws Unsupported {
    Options o = Options.parse(args, "", "sfn", Set.of());
    if (!o.has('s') || o.operands.size() != 2) {
      throw new Unsupported();
    }
    String target = o.operands.get(0);
    String link = path(o.operands.get(1));
    Optional<RootfsTree.Entry> e = tree.entry(link);
    if (e.isPresent() && (e.get().isDirectory() || (!o.has('n') && tree.entry(tree.resolve(link)).map(RootfsTree.Entry::isDirectory).orElse(false)))) {
      throw new Unsupported(); // a link inside a directory
    }
    if (e.isPresent() && !o.has('f')) {
      return 1;
    }
    tree.symlink(link, target, 0, 0);
    return 0;
  }
}
