package dev.apkimg.cli;

import dev.apkimg.TemporaryFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Properties;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.logging.StreamHandler;
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
        CommandLine.HelpCommand.class},
    footer = {"", "Exit codes: 0 success, 1 build failed (the message says why), 2 wrong usage,",
        "130/143 interrupted (SIGINT/SIGTERM; temporary files are removed)."})
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

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
    CommandLine cl = new CommandLine(new Main());
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler(new ErrorReporter());
    return cl.execute(args);
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
          "Java " + System.getProperty("java.version")};
    }
  }
}
