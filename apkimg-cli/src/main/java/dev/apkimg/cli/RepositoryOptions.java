package dev.apkimg.cli;

import dev.apkimg.api.Apkimg;
import dev.apkimg.api.BuildListener;
import dev.apkimg.api.BuildRequest;
import dev.apkimg.repo.Credentials;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The options every command that reads repositories shares (a picocli mixin). */
final class RepositoryOptions {
  @Option(names = "--arch", paramLabel = "ARCH",
      description = "Architecture (apk name, e.g. x86_64, aarch64; several separated by commas), host (this machine's)"
          + " or all (every one apkimg knows; build and lock). Default: the profile's.")
  String arch;

  @Option(names = {"-r", "--repository"}, paramLabel = "URL",
      description = "Build from this repository instead of the profile's (repeatable): http(s)://, file://, or a path."
          + " Build-only: the image's etc/apk/repositories still names the profile's.")
  List<String> repositories = new ArrayList<>();

  @Option(names = {"-k", "--keyring"}, paramLabel = "KEY",
      description = "Also trust this key file, folder of *.pub keys, or https URL (repeatable).")
  List<String> keys = new ArrayList<>();

  @Option(names = "--allow-untrusted", description = "Accept unsigned or untrusted indexes (with a warning).")
  boolean allowUntrusted;

  @Option(names = "--cache-dir", paramLabel = "DIR", description = "Package and key cache. Default: $XDG_CACHE_HOME/apkimg or ~/.cache/apkimg.")
  Path cacheDir;

  @Option(names = "--connect-timeout", paramLabel = "SECONDS", defaultValue = "${env:APKIMG_CONNECT_TIMEOUT:-10}",
      description = "Give up connecting to a repository after this long. Default: $APKIMG_CONNECT_TIMEOUT, else 10.")
  String connectTimeout;

  @Option(names = "--read-timeout", paramLabel = "SECONDS", defaultValue = "${env:APKIMG_READ_TIMEOUT:-30}",
      description = "Fail a download when the server sends nothing for this long: no answer, or a stall mid-file."
          + " Default: $APKIMG_READ_TIMEOUT, else 30. Failures that may pass (HTTP 429 and 5xx, a refused or broken"
          + " connection) are tried 3 times in all.")
  String readTimeout;

  @Option(names = "--files-root", paramLabel = "DIR",
      description = "Let the profile's files: copy from DIR too (repeatable). Default: only from the folder of the profile naming each.")
  List<Path> filesRoots = new ArrayList<>();

  @Option(names = {"-q", "--quiet"}, description = "Print only errors and the result.")
  boolean quiet;

  @Option(names = {"-v", "--verbose"}, description = "Print every step, and stack traces of errors.")
  boolean verbose;

  @Spec(Spec.Target.MIXEE) CommandLine.Model.CommandSpec command;

  /** apkimg, reading repositories with these options' timeouts. */
  Apkimg apkimg() {
    return Apkimg.create(duration(connectTimeout, "--connect-timeout", "APKIMG_CONNECT_TIMEOUT"),
        duration(readTimeout, "--read-timeout", "APKIMG_READ_TIMEOUT"));
  }

  private Duration duration(String value, String option, String env) {
    String v = value.strip();
    BigDecimal seconds = v.matches("\\d{1,9}(\\.\\d{1,3})?") ? new BigDecimal(v) : null;
    if (seconds == null || seconds.signum() <= 0 || seconds.compareTo(BigDecimal.valueOf(86_400)) > 0) {
      throw new CommandLine.ParameterException(command.commandLine(), option + " (or $" + env
          + ") must be more than 0 and at most 86400 seconds, not '" + value + "'");
    }
    return Duration.ofMillis(seconds.movePointRight(3).longValue());
  }

  BuildRequest.Builder request(Path profile) {
    return BuildRequest.builder(profile)
        .arch(arch)
        .repositories(repositories)
        .extraKeys(keys)
        .allowUntrusted(allowUntrusted)
        .cacheDir(cacheDir)
        .filesRoots(filesRoots);
  }

  /**
   * Progress to stderr; stdout is kept for the command's result. No line shows a user or password
   * given in a URL.
   */
  BuildListener listener(PrintWriter err) {
    return event -> {
      boolean shown = switch (event.level()) {
        case INFO -> !quiet;
        case WARNING -> true;
        case DETAIL -> verbose;
        case PROGRESS -> false; // lines only: live progress is for `build --progress tty`
      };
      if (shown) {
        err.println((event.level() == dev.apkimg.api.BuildEvent.Level.WARNING ? "apkimg: warning: " : "")
            + Credentials.redact(Hints.line(event)));
        err.flush();
      }
    };
  }
}
