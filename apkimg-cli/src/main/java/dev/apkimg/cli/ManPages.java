package dev.apkimg.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Writes the man pages (troff, section 1) and the bash/zsh completion script from the command
 * model, at build time: {@code ManPages MAN_DIR [COMPLETION_DIR]}. The pages are written here,
 * not by picocli-codegen, because its generator writes AsciiDoc, and turning that into troff
 * needs Asciidoctor (JRuby); the troff needed for a command's help is a few macros.
 */
public final class ManPages {
  private ManPages() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 1 || args.length > 2) {
      throw new IllegalArgumentException("usage: ManPages MAN_DIR [COMPLETION_DIR]");
    }
    CommandLine root = Main.commandLine(Map.of("NO_COLOR", "1"));
    Path manDir = Files.createDirectories(Path.of(args[0]));
    write(manDir.resolve("apkimg.1"), page(root, "apkimg"));
    for (Map.Entry<String, CommandLine> sub : root.getSubcommands().entrySet()) {
      CommandSpec spec = sub.getValue().getCommandSpec();
      if (!spec.usageMessage().hidden() && !sub.getKey().equals("help")) {
        write(manDir.resolve("apkimg-" + sub.getKey() + ".1"), page(sub.getValue(), "apkimg-" + sub.getKey()));
      }
    }
    if (args.length == 2) {
      Path completionDir = Files.createDirectories(Path.of(args[1]));
      write(completionDir.resolve("apkimg.bash"), AutoComplete.bash("apkimg", root));
    }
  }

  private static void write(Path file, String text) {
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      w.write(text);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** One command's page: NAME, SYNOPSIS, DESCRIPTION, ARGUMENTS, OPTIONS, COMMANDS, then the footer as written. */
  static String page(CommandLine command, String pageName) {
    CommandSpec spec = command.getCommandSpec();
    StringBuilder t = new StringBuilder();
    String version = versionOf(command);
    t.append(".TH \"").append(pageName.toUpperCase()).append("\" \"1\" \"\" \"apkimg ")
        .append(escape(version)).append("\" \"apkimg manual\"\n");
    // No hyphenation, ragged right: options and commands stay whole, as typed.
    t.append(".nh\n.ad l\n");
    t.append(".SH NAME\n").append(escape(pageName)).append(" \\- ")
        .append(escape(firstSentence(String.join(" ", spec.usageMessage().description())))).append('\n');
    t.append(".SH SYNOPSIS\n.nf\n");
    String synopsis = command.getHelp().synopsis(0).stripTrailing();
    synopsis.lines().forEach(line -> t.append(escape(line.replaceFirst("^Usage: ", ""))).append('\n'));
    t.append(".fi\n");
    t.append(".SH DESCRIPTION\n");
    for (String line : spec.usageMessage().description()) {
      t.append(escape(line)).append('\n');
    }
    List<PositionalParamSpec> positionals = spec.positionalParameters().stream().filter(p -> !p.hidden()).toList();
    if (!positionals.isEmpty()) {
      t.append(".SH ARGUMENTS\n");
      for (PositionalParamSpec p : positionals) {
        t.append(".TP\n\\fI").append(escape(p.paramLabel())).append("\\fR\n");
        description(t, p);
      }
    }
    List<OptionSpec> options = spec.options().stream().filter(o -> !o.hidden()).toList();
    if (!options.isEmpty()) {
      t.append(".SH OPTIONS\n");
      for (OptionSpec o : options) {
        List<String> names = new ArrayList<>();
        for (String name : o.names()) {
          names.add("\\fB" + escape(name) + "\\fR");
        }
        t.append(".TP\n").append(String.join(", ", names));
        if (o.arity().max() > 0) {
          t.append("=\\fI").append(escape(o.paramLabel())).append("\\fR");
        }
        t.append('\n');
        description(t, o);
      }
    }
    List<Map.Entry<String, CommandLine>> subs = command.getSubcommands().entrySet().stream()
        .filter(e -> !e.getValue().getCommandSpec().usageMessage().hidden()).toList();
    if (!subs.isEmpty()) {
      t.append(".SH COMMANDS\n");
      for (Map.Entry<String, CommandLine> e : subs) {
        t.append(".TP\n\\fB").append(escape(e.getKey())).append("\\fR\n");
        t.append(escape(String.join(" ", e.getValue().getCommandSpec().usageMessage().description())
            .replace("%n", " ").strip())).append('\n');
        if (!e.getKey().equals("help")) {
          t.append("See \\fBapkimg\\-").append(escape(e.getKey())).append("\\fR(1).\n");
        }
      }
    }
    String[] footer = spec.usageMessage().footer();
    if (footer.length > 0) {
      t.append(".SH NOTES\n.nf\n");
      for (String line : footer) {
        t.append(line.isEmpty() ? ".sp" : escape(line)).append('\n');
      }
      t.append(".fi\n");
    }
    return t.toString();
  }

  private static void description(StringBuilder t, ArgSpec arg) {
    String text = String.join(" ", arg.description());
    // The help's own variables (${DEFAULT-VALUE}, ${COMPLETION-CANDIDATES}) as the help shows them.
    text = text.replace("${DEFAULT-VALUE}", String.valueOf(arg.defaultValue()));
    if (arg.completionCandidates() != null) {
      List<String> candidates = new ArrayList<>();
      arg.completionCandidates().forEach(candidates::add);
      text = text.replace("${COMPLETION-CANDIDATES}", String.join(", ", candidates));
    }
    t.append(escape(text.replace("%n", " ").strip())).append('\n');
  }

  private static String versionOf(CommandLine command) {
    CommandLine root = command;
    while (root.getParent() != null) {
      root = root.getParent();
    }
    String[] version = root.getCommandSpec().version();
    return version.length > 0 ? version[0].replaceFirst("^apkimg ", "") : "";
  }

  private static String firstSentence(String text) {
    int end = text.indexOf(". ");
    String sentence = end >= 0 ? text.substring(0, end) : text;
    return sentence.endsWith(".") ? sentence.substring(0, sentence.length() - 1) : sentence;
  }

  /** Text for troff: picocli's format escapes resolved, backslashes and hyphens escaped, no line taken for a request. */
  static String escape(String text) {
    String s = text.replace("%n", " ").replace("%%", "%").replace("\\", "\\e").replace("-", "\\-");
    return s.startsWith(".") || s.startsWith("'") ? "\\&" + s : s;
  }
}
