package dev.apkimg.cli;

import dev.apkimg.Hint;
import dev.apkimg.api.BuildEvent;

/**
 * The core's hints in the CLI's words: the flag that does what the message asks for. The core
 * names no flag; these are the only place that maps a {@link Hint} to one.
 */
final class Hints {
  private Hints() {}

  /**
   * What follows an error's message for its hint: a flag, or nothing where the message already
   * says what to do in words every front end shares.
   *
   * @param profile the PROFILE the command was given, or null
   */
  static String errorSuffix(Hint hint, String profile) {
    if (hint == null) {
      return "";
    }
    return switch (hint) {
      case ALLOW_INSECURE_REGISTRY -> " (--allow-insecure-registry)";
      case ALLOW_UNTRUSTED -> " (--allow-untrusted)";
      case ADD_KEY -> " (-k KEYFILE)";
      case REFRESH_LOCKFILE -> "; run 'apkimg lock " + (profile == null ? "PROFILE" : profile)
          + "' to refresh it, or build with --no-lockfile";
      case FILES_ROOT -> " (apkimg --files-root DIR)";
      case ONE_ARCH -> " (--arch ARCH, or --format oci)";
      case NO_OUTPUT -> ": give -o FILE, --push REF or --daemon";
      // The message says it (another mirror, a longer wait); the flags are in --help.
      case OTHER_REPOSITORY, CONNECT_TIMEOUT, READ_TIMEOUT -> "";
    };
  }

  /** An event as the CLI prints it: the core's line, and the flag where one explains it. */
  static String line(BuildEvent event) {
    if (event instanceof BuildEvent.ScriptLinesSkipped) {
      return event.message() + "; --verbose lists them";
    }
    if (event instanceof BuildEvent.Warning w && w.hint() == Hint.ALLOW_UNTRUSTED) {
      return w.message() + " because of --allow-untrusted";
    }
    if (event instanceof BuildEvent.Warning w && w.hint() != null) {
      return w.message() + errorSuffix(w.hint(), null);
    }
    return event.message();
  }
}
