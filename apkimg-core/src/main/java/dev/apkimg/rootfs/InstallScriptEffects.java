package dev.apkimg.rootfs;

import dev.apkimg.ApkimgException;
import dev.apkimg.apk.InstallScript;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Carries out what apk's install scripts would do to the image where that is a plain, top-level
 * busybox command: {@code addgroup}, {@code adduser}, {@code chown}, {@code chmod}, {@code mkdir},
 * {@code ln -s}, {@code [ -e PATH ]} tests, {@code busybox --install -s} (the links come from
 * {@code etc/busybox-paths.d}). apkimg never runs a shell (cross-arch, no root); every other
 * line is reported as not carried out.
 *
 * <p>Scripts run in install order ({@code pre-install} then {@code post-install} of each
 * package) against the files as finally installed, with busybox's id allocation and file
 * formats. Differences from a real run: shadow's "last changed" day is the build timestamp's
 * day (for reproducible bytes), and passwords are never asked for.
 */
final class InstallScriptEffects implements RootfsMutation {
  private static final Set<String> OPENERS = Set.of("if", "case", "for", "while", "until", "{");
  private static final Set<String> CLOSERS = Set.of("fi", "esac", "done", "}");
  private static final Pattern NULL_REDIRECT = Pattern.compile("\\s*(?:[12]?>>?|&>)\\s*/dev/null|\\s*[12]?>&[12]");
  private static final Pattern FUNCTION = Pattern.compile("^[A-Za-z_][A-Za-z0-9_]*\\s*\\(\\s*\\).*");

  /** A line's outcome: carried out, not carried out, or the script stops here. */
  private enum Outcome { DONE, UNSUPPORTED, EXIT }

  /** Thrown by a command apkimg cannot carry out. */
  private static final class Unsupported extends Exception {
    Unsupported() {
      super(null, null, false, false);
    }
  }

  /** Thrown by {@code exit}. */
  private static final class Exit extends Exception {
    Exit() {
      super(null, null, false, false);
    }
  }

  private RootfsTree tree;
  private AccountFiles accounts;

  @Override
  public Set<String> reads() {
    return AccountFiles.FILES;
  }

  @Override
  public void apply(RootfsTree tree) {
    this.tree = tree;
    for (RootfsTree.PackageScripts pkg : tree.scripts()) {
      for (String type : List.of("pre-install", "post-install", "trigger")) {
        for (InstallScript s : pkg.scripts()) {
          if (s.type().equals(type)) {
            String text = new String(s.content(), StandardCharsets.UTF_8);
            // A trigger runs with the changed paths as arguments after every package is in: never emulated.
            tree.report(type.equals("trigger") ? notRun(pkg.nameVersion() + "." + type, text)
                : run(pkg.nameVersion() + "." + type, text));
          }
        }
      }
    }
  }

  private static ScriptReport notRun(String name, String text) {
    List<String> lines = new ArrayList<>();
    for (String line : logicalLines(text)) {
      String t = line.trim();
      if (!t.isEmpty() && !t.startsWith("#")) {
        lines.add(t);
      }
    }
    return new ScriptReport(name, List.of(), lines);
  }

  ScriptReport run(String name, String text) {
    List<String> done = new ArrayList<>();
    List<String> notDone = new ArrayList<>();
    int depth = 0;
    String heredoc = null;
    boolean errexit = false;
    for (String line : logicalLines(text)) {
      String t = line.trim();
      if (heredoc != null) {
        notDone.add(t);
        if (t.equals(heredoc)) {
          heredoc = null;
        }
        continue;
      }
      if (t.isEmpty() || t.startsWith("#")) {
        continue;
      }
      java.util.regex.Matcher hd = Pattern.compile("<<-?\\s*['\"]?(\\w+)").matcher(t);
      if (hd.find()) {
        heredoc = hd.group(1);
      }
      int opened = 0;
      for (String word : t.split("[\\s;]+")) {
        if (OPENERS.contains(word)) {
          opened++;
        } else if (CLOSERS.contains(word)) {
          opened--;
        }
      }
      if (depth > 0 || opened != 0 || heredoc != null || FUNCTION.matcher(t).matches()) {
        // Inside a branch, loop or function apkimg cannot know whether a line runs.
        depth = Math.max(0, depth + opened + (FUNCTION.matcher(t).matches() && !t.contains("{") ? 1 : 0));
        notDone.add(t);
        continue;
      }
      if (t.equals("set -e")) {
        errexit = true;
        continue;
      }
      int[] status = {0};
      Outcome o = line(t, status);
      if (o == Outcome.UNSUPPORTED) {
        notDone.add(t);
      } else if (o == Outcome.EXIT || (errexit && status[0] != 0)) {
        break;
      } else if (!isTrivial(t)) {
        done.add(t);
      }
    }
    if (accounts != null) {
      accounts.writeBack(tree);
    }
    return new ScriptReport(name, done, notDone);
  }

  private static boolean isTrivial(String t) {
    return t.equals("true") || t.equals(":");
  }

  // ---------------------------------------------------------------- one line: a ; && || list

  private Outcome line(String text, int[] status) {
    String t = NULL_REDIRECT.matcher(text).replaceAll("");
    // Only ;, && and || (split below) may remain: anything else needs a shell.
    if (t.replace("&&", "").replace("||", "").matches(".*[<>$`|&*?(){}].*")) {
      return Outcome.UNSUPPORTED;
    }
    List<List<String>> commands = new ArrayList<>();
    List<String> operators = new ArrayList<>();
    try {
      split(t, commands, operators);
      for (List<String> c : commands) {
        check(c);
      }
    } catch (Unsupported e) {
      return Outcome.UNSUPPORTED;
    } catch (IllegalArgumentException e) {
      return Outcome.UNSUPPORTED;
    }
    int last = 0;
    try {
      for (int i = 0; i < commands.size(); i++) {
        String op = i == 0 ? ";" : operators.get(i - 1);
        if ((op.equals("&&") && last != 0) || (op.equals("||") && last == 0)) {
          continue;
        }
        last = command(commands.get(i));
      }
    } catch (Exit e) {
      return Outcome.EXIT;
    } catch (Unsupported e) {
      return Outcome.UNSUPPORTED;
    }
    status[0] = last;
    return Outcome.DONE;
  }

  /** Splits at ;, && and || outside quotes into word lists. */
  private static void split(String t, List<List<String>> commands, List<String> operators) throws Unsupported {
    StringBuilder cur = new StringBuilder();
    char quote = 0;
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        }
        cur.append(c);
      } else if (c == '\'' || c == '"') {
        quote = c;
        cur.append(c);
      } else if (c == ';' || ((c == '&' || c == '|') && i + 1 < t.length() && t.charAt(i + 1) == c)) {
        String op = c == ';' ? ";" : "" + c + c;
        i += c == ';' ? 0 : 1;
        commands.add(words(cur.toString()));
        operators.add(op);
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    commands.add(words(cur.toString()));
    if (operators.size() == commands.size() && !commands.isEmpty()) {
      throw new Unsupported();
    }
    if (commands.get(commands.size() - 1).isEmpty() && operators.size() > 0 && operators.get(operators.size() - 1).equals(";")) {
      commands.remove(commands.size() - 1);
      operators.remove(operators.size() - 1);
    }
    for (List<String> c : commands) {
      if (c.isEmpty()) {
        throw new Unsupported();
      }
    }
  }

  private static final Set<String> KNOWN = Set.of("addgroup", "adduser", "chown", "chmod", "mkdir", "ln", "true", ":",
      "false", "exit", "[", "test");

  private static void check(List<String> words) throws Unsupported {
    List<String> w = unwrap(words);
    if (w.isEmpty() || !KNOWN.contains(w.get(0)) && !(w.get(0).equals("--install"))) {
      throw new Unsupported();
    }
  }

  /** {@code /bin/busybox adduser ...} and {@code /usr/sbin/adduser ...} are {@code adduser ...}. */
  private static List<String> unwrap(List<String> words) {
    List<String> w = new ArrayList<>(words);
    while (!w.isEmpty() && (w.get(0).equals("busybox") || w.get(0).equals("/bin/busybox"))) {
      w.remove(0);
    }
    if (!w.isEmpty()) {
      String c = w.get(0);
      for (String dir : List.of("/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/")) {
        if (c.startsWith(dir)) {
          w.set(0, c.substring(dir.length()));
        }
      }
    }
    return w;
  }

  private int command(List<String> raw) throws Exit, Unsupported {
    List<String> w = unwrap(raw);
    String c = w.get(0);
    List<String> args = w.subList(1, w.size());
    return switch (c) {
      case "true", ":" -> 0;
      case "false" -> 1;
      case "exit" -> throw new Exit();
      case "[", "test" -> test(c.equals("[") ? bracket(args) : args);
      case "--install" -> {
        if (!tree.busyboxLinks() || !args.equals(List.of("-s"))) {
          throw new Unsupported();
        }
        yield 0;
      }
      case "addgroup" -> addgroup(args);
      case "adduser" -> adduser(args);
      case "chown" -> chown(args);
      case "chmod" -> chmod(args);
      case "mkdir" -> mkdir(args);
      case "ln" -> ln(args);
      default -> throw new Unsupported();
    };
  }

  // ---------------------------------------------------------------- the commands

  private static List<String> bracket(List<String> args) throws Unsupported {
    if (args.isEmpty() || !args.get(args.size() - 1).equals("]")) {
      throw new Unsupported();
    }
    return args.subList(0, args.size() - 1);
  }

  private int test(List<String> args) throws Unsupported {
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

  private AccountFiles accounts() {
    if (accounts == null) {
      accounts = AccountFiles.read(tree).withBusyboxBackups();
    }
    return accounts;
  }

  /** busybox {@code addgroup [-g GID] [-S] [USER] GROUP}. */
  private int addgroup(List<String> args) throws Unsupported {
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
  private int adduser(List<String> args) throws Unsupported {
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

  /** busybox {@code chown [-RhfvcHLP] USER[:GROUP] FILE...}. */
  private int chown(List<String> args) throws Unsupported {
    Options o = Options.parse(args, "", "RhfvcHLP", Set.of());
    if (o.operands.size() < 2 || o.has('H') || o.has('L')) {
      throw new Unsupported();
    }
    String spec = o.operands.get(0);
    int sep = spec.indexOf(':') >= 0 ? spec.indexOf(':') : spec.indexOf('.');
    String user = sep < 0 ? spec : spec.substring(0, sep);
    String group = sep < 0 ? null : spec.substring(sep + 1);
    AccountFiles a = accounts();
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
  private int chmod(List<String> args) throws Unsupported {
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
  private int mkdir(List<String> args) throws Unsupported {
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
  private int ln(List<String> args) throws Unsupported {
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

  private static long number(String s) throws Unsupported {
    if (!s.matches("\\d{1,9}")) {
      throw new Unsupported();
    }
    return Long.parseLong(s);
  }

  /** A path as the script names it; scripts run in the root directory. */
  private static String path(String p) throws Unsupported {
    try {
      return RootfsTree.clean(p);
    } catch (ApkimgException e) {
      throw new Unsupported();
    }
  }

  // ---------------------------------------------------------------- parsing

  /** Short options (getopt: clustered, value attached or next), long options mapped to short ones. */
  private static final class Options {
    final java.util.Map<Character, String> values = new java.util.HashMap<>();
    final Set<Character> flags = new java.util.HashSet<>();
    final List<String> operands = new ArrayList<>();

    boolean has(char c) {
      return flags.contains(c);
    }

    String value(char c) {
      return values.get(c);
    }

    static Options parse(List<String> args, String withValue, String plain, Set<String> longOptions) throws Unsupported {
      Options o = new Options();
      for (int i = 0; i < args.size(); i++) {
        String a = args.get(i);
        if (a.equals("--")) {
          o.operands.addAll(args.subList(i + 1, args.size()));
          break;
        }
        if (a.startsWith("--")) {
          String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
          char c = 0;
          for (String l : longOptions) {
            if (l.startsWith(name + "=")) {
              c = l.charAt(l.length() - 1);
            }
          }
          if (c == 0) {
            throw new Unsupported();
          }
          o.flags.add(c);
          if (withValue.indexOf(c) >= 0) {
            if (a.contains("=")) {
              o.values.put(c, a.substring(a.indexOf('=') + 1));
            } else if (i + 1 < args.size()) {
              o.values.put(c, args.get(++i));
            } else {
              throw new Unsupported();
            }
          }
          continue;
        }
        if (a.startsWith("-") && a.length() > 1) {
          for (int j = 1; j < a.length(); j++) {
            char c = a.charAt(j);
            if (withValue.indexOf(c) >= 0) {
              String v = j + 1 < a.length() ? a.substring(j + 1) : i + 1 < args.size() ? args.get(++i) : null;
              if (v == null) {
                throw new Unsupported();
              }
              o.flags.add(c);
              o.values.put(c, v);
              break;
            } else if (plain.indexOf(c) >= 0) {
              o.flags.add(c);
            } else {
              throw new Unsupported();
            }
          }
          continue;
        }
        o.operands.add(a);
      }
      return o;
    }
  }

  /** Script lines with backslash-newline continuations joined. */
  static List<String> logicalLines(String text) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (String l : text.split("\n", -1)) {
      if (l.endsWith("\\")) {
        cur.append(l, 0, l.length() - 1).append(' ');
      } else {
        cur.append(l);
        out.add(cur.toString());
        cur.setLength(0);
      }
    }
    if (cur.length() > 0) {
      out.add(cur.toString());
    }
    return out;
  }

  /** Splits a simple command into words: whitespace separates, quotes group, no expansions. */
  private static List<String> words(String command) throws Unsupported {
    try {
      return dev.apkimg.ShellWords.split(command, false);
    } catch (IllegalArgumentException e) {
      throw new Unsupported();
    }
  }

}
