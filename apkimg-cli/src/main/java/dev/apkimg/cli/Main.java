package dev.apkimg.cli;

import dev.apkimg.TemporaryFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Map;
import java.util.Properties;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.logging.StreamHandler;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code apkimg} command. */
@Command(
    name = "apkimg",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Builds minimal, reproducible OCI images from Alpine apk packages, without Docker or root.",
    subcommands = {BuildCommand.class, ResolveCommand.class, LockCommand.class, SbomCommand.class,
        WhyCommand.class, DiffCommand.class,
        ShowConfigCommand.class, SchemaCommand.class,
        CommandLine.HelpCommand.class, AutoComplete.GenerateCompletion.class},
    footer = {"", "Examples:",
        "  apkimg build profiles/alpine-base.yaml -o alpine-base.tar",
        "  apkimg help build",
        "  source <(apkimg generate-completion)     (TAB completion in bash and zsh)",
        "", Main.EXIT_CODES, Main.EXIT_CODES_MORE,
        "", "Colours: only on a terminal, and never when NO_COLOR is set."})
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** The exit codes, in every command's help (and so in the man pages). */
  static final String EXIT_CODES = "Exit codes: 0 success, 1 failed (the message says why), 2 wrong usage,";
  static final String EXIT_CODES_MORE = "130/143 interrupted (SIGINT/SIGTERM; temporary files are removed).";

  /** What an interrupted command prints; the JVM exits with 128 + the signal's number (130, 143). */
  static final String INTERRUPTED = "apkimg: error: interrupted; the temporary files of this run were removed";

  private static volatile boolean finished;
  // JUL holds loggers weakly: this keeps the configured level alive.
  private static final Logger APKIMG_LOGGER = Logger.getLogger("dev.apkimg");

  public static void main(String[] args) {
    configureLogging(Arrays.stream(args).anyMatch(a -> a.equals("--verbose") || a.matches("-[a-zA-Z]*v[a-zA-Z]*")));
    // SIGINT and SIGTERM run the shutdown hooks, then the JVM exits with 130 or 143.
    Runtime.getRuntime().addShutdownHook(new Thread(Main::interrupted, "apkimg-interrupted"));
    int code = run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
    finished = true;
    System.exit(code);
  }

  /** The shutdown hook: nothing after a finished command; after a signal, cleanup and one line. */
  private static void interrupted() {
    if (finished) {
      return;
    }
    ProgressPrinter.closeAll(); // the live block goes first: the line below starts on a clean line
    TemporaryFiles.deleteAll();
    System.err.println(INTERRUPTED);
    System.err.flush();
  }

  /**
   * Libraries log through java.util.logging, which prints to stderr (jib's retries, Apache
   * HttpClient's "Retrying request", SEVERE lines): apkimg says what failed in one line, so
   * nothing of theirs is printed; with --verbose, apkimg's own diagnostics (jib's events among
   * them), one line each. Other libraries stay silent even then: HTTP wire logs carry credentials.
   */
  static void configureLogging(boolean verbose) {
    Logger root = Logger.getLogger("");
    for (Handler h : root.getHandlers()) {
      root.removeHandler(h);
    }
    root.setLevel(Level.OFF);
    if (verbose) {
      StreamHandler handler = new StreamHandler(System.err, new SimpleFormatter() {
        @Override
        public String format(LogRecord r) {
          return "apkimg: debug: " + formatMessage(r).lines().findFirst().orElse("") + System.lineSeparator();
        }
      }) {
        @Override
        public synchronized void publish(LogRecord r) {
          super.publish(r);
          flush();
        }
      };
      handler.setLevel(Level.FINE);
      APKIMG_LOGGER.setLevel(Level.FINE);
      APKIMG_LOGGER.setUseParentHandlers(false);
      APKIMG_LOGGER.addHandler(handler);
    }
  }

  /** Runs the command line; returns the exit code. Used by tests too. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cl = commandLine(System.getenv());
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler(new ErrorReporter());
    return cl.execute(args);
  }

  /** The command model; colours as {@link #ansi} decides. Used by the man page generator too. */
  static CommandLine commandLine(Map<String, String> env) {
    CommandLine cl = new CommandLine(new Main());
    cl.setColorScheme(CommandLine.Help.defaultColorScheme(ansi(env)));
    return cl;
  }

  /**
   * No colours when NO_COLOR is set to anything but the empty string (no-color.org), whatever
   * else asks for them (-Dpicocli.ansi=true included); otherwise picocli's AUTO: colours only
   * when standard output is a terminal (and not with -Dpicocli.ansi=false or CLICOLOR=0).
   */
  static CommandLine.Help.Ansi ansi(Map<String, String> env) {
    String noColor = env.get("NO_COLOR");
    return noColor != null && !noColor.isEmpty() ? CommandLine.Help.Ansi.OFF : CommandLine.Help.Ansi.AUTO;
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
      Properties p = new Properties();
      try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
        if (in != null) {
          p.load(in);
        }
      }
      return new String[] {"apkimg " + p.getProperty("version", "unknown"),
          "jib-core " + p.getProperty("jib-core", "unknown"),
          "Java " + System.getProperty("java.runtime.version", System.getProperty("java.version"))
              + " (" + System.getProperty("java.vendor") + ", " + System.getProperty("java.vm.name") + ")"};
    }
  }
}
