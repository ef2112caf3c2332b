package dev.apkimg.cli;

import dev.apkimg.build.BuildListener;
import dev.apkimg.build.BuildRequest;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The options every command that reads repositories shares (a picocli mixin). */
final class RepositoryOptions {
  @Option(names = "--arch", paramLabel = "ARCH", description = "Architecture (apk name, e.g. x86_64, aarch64). Default: the profile's.")
  String arch;

  @Option(names = {"-r", "--repository"}, paramLabel = "URL",
      description = "Use this repository instead of the profile's (repeatable): http(s)://, file://, or a path.")
  List<String> repositories = new ArrayList<>();

  @Option(names = {"-k", "--keyring"}, paramLabel = "KEY",
      description = "Also trust this key file, folder of *.pub keys, or https URL (repeatable).")
  List<String> keys = new ArrayList<>();

  @Option(names = "--allow-untrusted", description = "Accept unsigned or untrusted indexes (with a warning).")
  boolean allowUntrusted;

  @Option(names = "--cache-dir", paramLabel = "DIR", description = "Package and key cache. Default: $XDG_CACHE_HOME/apkimg or ~/.cache/apkimg.")
  Path cacheDir;

  @Option(names = "--files-root", paramLabel = "DIR",
      description = "Let the profile's files: copy from DIR too (repeatable). Default: only from the folder of the profile naming each.")
  List<Path> filesRoots = new ArrayList<>();

  @Option(names = {"-q", "--quiet"}, description = "Print only errors and the result.")
  boolean quiet;

  @Option(names = {"-v", "--verbose"}, description = "Print every step, and stack traces of errors.")
  boolean verbose;

  BuildRequest.Builder request(Path profile) {
    return BuildRequest.builder(profile)
        .arch(arch)
        .repositories(repositories)
        .extraKeys(keys)
        .allowUntrusted(allowUntrusted)
        .cacheDir(cacheDir)
        .filesRoots(filesRoots);
  }

  /** Progress to stderr; stdout is kept for the command's result. */
  BuildListener listener(PrintWriter err) {
    return new BuildListener() {
      @Override
      public void info(String message) {
        if (!quiet) {
          err.println(message);
          err.flush();
        }
      }

      @Override
      public void warn(String message) {
        err.println("apkimg: warning: " + message);
        err.flush();
      }

      @Override
      public void detail(String message) {
        if (verbose) {
          err.println(message);
          err.flush();
        }
      }
    };
  }
}
