package dev.apkimg.cli;

import dev.apkimg.ApkimgException;
import dev.apkimg.TemporaryFiles;
import dev.apkimg.repo.Credentials;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/**
 * Turns a failure into one line on stderr: the user's error as it is, anything unexpected as an
 * internal error. The stack trace only with {@code --verbose}.
 */
final class ErrorReporter implements CommandLine.IExecutionExceptionHandler {
  static final int FAILED = 1;

  @Override
  public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parseResult) {
    boolean verbose = parseResult.subcommand() != null
        ? parseResult.subcommand().hasMatchedOption("--verbose")
        : parseResult.hasMatchedOption("--verbose");
    if (TemporaryFiles.stopping()) {
      // Interrupted: the files this run used were removed under it; the shutdown hook says so.
      return FAILED;
    }
    // Credentials.redact: no user or password given in a URL is ever printed, whatever the message.
    if (ex instanceof ApkimgException) {
      ApkimgException e = (ApkimgException) ex;
      cl.getErr().println("apkimg: error: " + Credentials.redact(e.getMessage() + Hints.errorSuffix(e.hint(), profile(parseResult))));
    } else {
      cl.getErr().println("apkimg: internal error: " + Credentials.redact(ex.toString()) + " (please report it; --verbose shows where)");
    }
    if (verbose) {
      StringWriter trace = new StringWriter();
      ex.printStackTrace(new PrintWriter(trace));
      cl.getErr().print(Credentials.redact(trace.toString()));
    }
    cl.getErr().flush();
    return FAILED;
  }

  /** The PROFILE the subcommand was given, as given, or null. */
  private static String profile(CommandLine.ParseResult parseResult) {
    CommandLine.ParseResult sub = parseResult.subcommand();
    if (sub == null || sub.matchedPositionals().isEmpty()) {
      return null;
    }
    Object value = sub.matchedPositionals().get(0).getValue();
    return value == null ? null : value.toString();
  }
}
