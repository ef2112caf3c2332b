package dev.apkimg.cli;

import dev.apkimg.ApkimgException;
import dev.apkimg.TemporaryFiles;
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
    if (ex instanceof ApkimgException) {
      cl.getErr().println("apkimg: error: " + ex.getMessage());
    } else {
      cl.getErr().println("apkimg: internal error: " + ex + " (please report it; --verbose shows where)");
    }
    if (verbose) {
      ex.printStackTrace(cl.getErr());
    }
    cl.getErr().flush();
    return FAILED;
  }
}
