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
      cl.getErr().println("apkimg: error: " + Credentials.redact(ex.getMessage()));
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
}
