package dev.apkimg.rootfs;

import dev.apkimg.ApkimgException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What an install script's text says, without a shell: logical lines, the lines apkimg cannot
 * follow (blocks, functions, here-documents, expansions), {@code ;}/{@code &&}/{@code ||} lists
 * split into words, and getopt-style options. Apart from {@link BusyboxFileCommands} and
 * {@link BusyboxAccountCommands}, which carry commands out, so that reading a script never
 * touches the tree.
 */
final class ShellScriptSyntax {
  private static final Set<String> OPENERS = Set.of("if", "case", "for", "while", "until", "{");
  private static final Set<String> CLOSERS = Set.of("fi", "esac", "done", "}");
  private static final Pattern NULL_REDIRECT = Pattern.compile("\\s*(?:[12]?>>?|&>)\\s*/dev/null|\\s*[12]?>&[12]");
  private static final Pattern FUNCTION = Pattern.compile("^[A-Za-z_][A-Za-z0-9_]*\\s*\\(\\s*\\).*");
  private static final Pattern HEREDOC = Pattern.compile("<<-?\\s*['\"]?(\\w+)");
  private static final Set<String> KNOWN = Set.of("addgroup", "adduser", "chown", "chmod", "mkdir", "ln", "true", ":",
      "false", "exit", "[", "test");

  /** Thrown by a command apkimg cannot carry out. */
  static final class Unsupported extends Exception {
    Unsupported() {
      super(null, null, false, false);
    }
  }

  private ShellScriptSyntax() {}

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

  /** The word a here-document on this line ends at, or null. */
  static String heredocEnd(String line) {
    java.util.regex.Matcher hd = HEREDOC.matcher(line);
    return hd.find() ? hd.group(1) : null;
  }

  /** How many blocks ({@code if}, {@code case}, loops, braces) the line opens, less those it closes. */
  static int blocksOpened(String line) {
    int opened = 0;
    for (String word : line.split("[\\s;]+")) {
      if (OPENERS.contains(word)) {
        opened++;
      } else if (CLOSERS.contains(word)) {
        opened--;
      }
    }
    return opened;
  }

  /** Whether the line starts a function definition ({@code name() ...}). */
  static boolean isFunction(String line) {
    return FUNCTION.matcher(line).matches();
  }

  /**
   * The commands of a {@code ;}, {@code &&}, {@code ||} list, with the operator before each
   * (after the first) in {@code operators}; redirections to {@code /dev/null} are dropped.
   * Anything else a shell would interpret, or a command apkimg does not know, is unsupported.
   */
  static List<List<String>> commandList(String text, List<String> operators) throws Unsupported {
    String t = NULL_REDIRECT.matcher(text).replaceAll("");
    // Only ;, && and || (split below) may remain: anything else needs a shell.
    if (t.replace("&&", "").replace("||", "").matches(".*[<>$`|&*?(){}].*")) {
      throw new Unsupported();
    }
    List<List<String>> commands = new ArrayList<>();
    try {
      split(t, commands, operators);
      for (List<String> c : commands) {
        check(c);
      }
    } catch (IllegalArgumentException e) {
      throw new Unsupported();
    }
    return commands;
  }

  /**
   * The words of one simple command that is not one of the busybox commands apkimg carries out
   * (a hook's {@code exec trust extract ...}, a trigger's {@code update-ca-certificates}), with
   * redirections to {@code /dev/null} dropped; lists, expansions and other redirections are unsupported.
   */
  static List<String> simpleCommand(String text) throws Unsupported {
    String t = NULL_REDIRECT.matcher(text).replaceAll("");
    if (t.matches(".*[;<>$`|&*?(){}].*")) {
      throw new Unsupported();
    }
    List<String> w = words(t);
    if (w.isEmpty()) {
      throw new Unsupported();
    }
    return w;
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

  private static void check(List<String> words) throws Unsupported {
    List<String> w = unwrap(words);
    if (w.isEmpty() || !KNOWN.contains(w.get(0)) && !(w.get(0).equals("--install"))) {
      throw new Unsupported();
    }
  }

  /** {@code /bin/busybox adduser ...} and {@code /usr/sbin/adduser ...} are {@code adduser ...}. */
  static List<String> unwrap(List<String> words) {
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

  /** Splits a simple command into words: whitespace separates, quotes group, no expansions. */
  private static List<String> words(String command) throws Unsupported {
    try {
      return dev.apkimg.ShellWords.split(command, false);
    } catch (IllegalArgumentException e) {
      throw new Unsupported();
    }
  }

  /** A whole number an id option may be: up to nine digits. */
  static long number(String s) throws Unsupported {
    if (!s.matches("\\d{1,9}")) {
      throw new Unsupported();
    }
    return Long.parseLong(s);
  }

  /** A path as the script names it; scripts run in the root directory. */
  static String path(String p) throws Unsupported {
    try {
      return RootfsTree.clean(p);
    } catch (ApkimgException e) {
      throw new Unsupported();
    }
  }

  /** Short options (getopt: clustered, value attached or next), long options mapped to short ones. */
  static final class Options {
    final Map<Character, String> values = new HashMap<>();
    final Set<Character> flags = new HashSet<>();
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
}
