package dev.apkimg.rootfs;

import dev.apkimg.apk.InstallScript;
import dev.apkimg.rootfs.ShellScriptSyntax.Unsupported;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

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
 *
 * <p>This class walks the scripts and their lines and keeps the report; reading a line is
 * {@link ShellScriptSyntax}'s, carrying a command out {@link BusyboxAccountCommands}' and
 * {@link BusyboxFileCommands}'.
 */
final class InstallScriptEffects implements RootfsMutation {
  /** A line's outcome: carried out, not carried out, or the script stops here. */
  private enum Outcome { DONE, UNSUPPORTED, EXIT }

  /** Thrown by {@code exit}. */
  private static final class Exit extends Exception {
    Exit() {
      super(null, null, false, false);
    }
  }

  private RootfsTree tree;
  private BusyboxAccountCommands accounts;
  private BusyboxFileCommands files;
  /** update-ca-certificates is carried out once however many triggers call it: what that run did. */
  private UpdateCaCertificates.Run caRun;

  @Override
  public Set<String> reads() {
    Set<String> reads = new java.util.HashSet<>(AccountFiles.FILES);
    reads.addAll(UpdateCaCertificates.reads());
    return reads;
  }

  @Override
  public void apply(RootfsTree tree) {
    this.tree = tree;
    this.caRun = null;
    this.accounts = new BusyboxAccountCommands(tree);
    this.files = new BusyboxFileCommands(tree, accounts);
    for (RootfsTree.PackageScripts pkg : tree.scripts()) {
      for (String type : List.of("pre-install", "post-install", "trigger")) {
        for (InstallScript s : pkg.scripts()) {
          if (s.type().equals(type)) {
            String text = new String(s.content(), StandardCharsets.UTF_8);
            String name = pkg.nameVersion() + "." + type;
            // A trigger runs with the changed paths as arguments after every package is in: never emulated,
            // except update-ca-certificates (ca-certificates' trigger) and the hooks it runs.
            if (type.equals("trigger") && runsCaHooks(text)) {
              if (caRun == null) {
                caRun = UpdateCaCertificates.run(tree);
                caRun.hooks().forEach(tree::report);
              }
              tree.report(caTrigger(name, text, caRun));
            } else {
              tree.report(type.equals("trigger") ? notRun(name, text) : run(name, text));
            }
          }
        }
      }
    }
  }

  /** Whether a top-level line of the trigger runs {@code update-ca-certificates}. */
  private static boolean runsCaHooks(String text) {
    int depth = 0;
    for (String line : ShellScriptSyntax.logicalLines(text)) {
      String t = line.trim();
      if (t.isEmpty() || t.startsWith("#")) {
        continue;
      }
      int opened = ShellScriptSyntax.blocksOpened(t);
      if (depth == 0 && opened == 0 && JavaCacertsHook.runsHooks(t)) {
        return true;
      }
      depth = Math.max(0, depth + opened);
      if (ShellScriptSyntax.heredocEnd(t) != null || ShellScriptSyntax.isFunction(t) || t.equals("exit")
          || t.startsWith("exit ")) {
        return false; // what follows may not run as written
      }
    }
    return false;
  }

  /**
   * A trigger that runs update-ca-certificates: that line is carried out when all it does was
   * (its hooks included), {@code exit} lines are, the rest is not.
   */
  private static ScriptReport caTrigger(String name, String text, UpdateCaCertificates.Run run) {
    List<String> done = new ArrayList<>();
    List<String> notDone = new ArrayList<>();
    for (String line : ShellScriptSyntax.logicalLines(text)) {
      String t = line.trim();
      if (t.isEmpty() || t.startsWith("#")) {
        continue;
      }
      boolean updateCa = ShellScriptSyntax.blocksOpened(t) == 0 && JavaCacertsHook.runsHooks(t);
      if ((updateCa && run.complete()) || t.equals("exit") || t.equals("exit 0")) {
        done.add(t);
      } else if (updateCa) {
        // what is left: update-ca's own part here; a hook's in that hook's report
        notDone.add(t + " (not done: " + (run.leftOut().isEmpty() ? "a hook it runs" : String.join("; ", run.leftOut()))
            + ")");
      } else {
        notDone.add(t);
      }
    }
    return new ScriptReport(name, done, notDone);
  }

  private static ScriptReport notRun(String name, String text) {
    List<String> lines = new ArrayList<>();
    for (String line : ShellScriptSyntax.logicalLines(text)) {
      String t = line.trim();
      if (!t.isEmpty() && !t.startsWith("#")) {
        lines.add(t);
      }
    }
    return new ScriptReport(name, List.of(), lines);
  }

  private ScriptReport run(String name, String text) {
    List<String> done = new ArrayList<>();
    List<String> notDone = new ArrayList<>();
    int depth = 0;
    String heredoc = null;
    boolean errexit = false;
    for (String line : ShellScriptSyntax.logicalLines(text)) {
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
      String end = ShellScriptSyntax.heredocEnd(t);
      if (end != null) {
        heredoc = end;
      }
      int opened = ShellScriptSyntax.blocksOpened(t);
      boolean function = ShellScriptSyntax.isFunction(t);
      if (depth > 0 || opened != 0 || heredoc != null || function) {
        // Inside a branch, loop or function apkimg cannot know whether a line runs.
        depth = Math.max(0, depth + opened + (function && !t.contains("{") ? 1 : 0));
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
    accounts.writeBack();
    return new ScriptReport(name, done, notDone);
  }

  private static boolean isTrivial(String t) {
    return t.equals("true") || t.equals(":");
  }

  /** One line: a {@code ;}, {@code &&}, {@code ||} list, run as the shell would. */
  private Outcome line(String text, int[] status) {
    List<List<String>> commands;
    List<String> operators = new ArrayList<>();
    try {
      commands = ShellScriptSyntax.commandList(text, operators);
    } catch (Unsupported e) {
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

  private int command(List<String> raw) throws Exit, Unsupported {
    List<String> w = ShellScriptSyntax.unwrap(raw);
    String c = w.get(0);
    List<String> args = w.subList(1, w.size());
    return switch (c) {
      case "true", ":" -> 0;
      case "false" -> 1;
      case "exit" -> throw new Exit();
      case "[", "test" -> files.test(c.equals("[") ? BusyboxFileCommands.bracket(args) : args);
      case "--install" -> {
        if (!tree.busyboxLinks() || !args.equals(List.of("-s"))) {
          throw new Unsupported();
        }
        yield 0;
      }
      case "addgroup" -> accounts.addgroup(args);
      case "adduser" -> accounts.adduser(args);
      case "chown" -> files.chown(args);
      case "chmod" -> files.chmod(args);
      case "mkdir" -> files.mkdir(args);
      case "ln" -> files.ln(args);
      default -> throw new Unsupported();
    };
  }
}
