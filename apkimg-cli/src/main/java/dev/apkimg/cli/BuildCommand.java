package dev.apkimg.cli;

import dev.apkimg.build.BuildListener;
import dev.apkimg.build.BuildRequest;
import dev.apkimg.build.BuildResult;
import dev.apkimg.build.ImageBuilder;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code apkimg build PROFILE -o OUT.tar}. */
@Command(
    name = "build",
    mixinStandardHelpOptions = true,
    description = "Build an OCI image archive from an image profile.",
    footer = {"", "Example:", "  apkimg build profiles/alpine-base.yaml -o alpine-base.tar"})
final class BuildCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "PROFILE", description = "The YAML image profile.")
  Path profile;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.tar",
      description = "Where to write the OCI image archive (OCI layout in a tar).")
  Path output;

  @Option(names = "--arch", paramLabel = "ARCH", description = "Architecture to build (apk name, e.g. x86_64, aarch64). Default: the profile's.")
  String arch;

  @Option(names = {"-r", "--repository"}, paramLabel = "URL",
      description = "Use this repository instead of the profile's (repeatable): http(s)://, file://, or a path.")
  List<String> repositories = new ArrayList<>();

  @Option(names = {"-k", "--keyring"}, paramLabel = "KEY",
      description = "Also trust this key file, folder of *.pub keys, or https URL (repeatable).")
  List<String> keys = new ArrayList<>();

  @Option(names = "--allow-untrusted", description = "Accept unsigned or untrusted indexes (with a warning).")
  boolean allowUntrusted;

  @Option(names = "--tag", paramLabel = "NAME", description = "Image name recorded in the archive. Default: PROFILE's file name, tag latest.")
  String tag;

  @Option(names = "--cache-dir", paramLabel = "DIR", description = "Package and key cache. Default: $XDG_CACHE_HOME/apkimg or ~/.cache/apkimg.")
  Path cacheDir;

  @Option(names = {"-q", "--quiet"}, description = "Print only errors and the image digest.")
  boolean quiet;

  @Option(names = {"-v", "--verbose"}, description = "Print every step, and stack traces of errors.")
  boolean verbose;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    BuildListener listener = new BuildListener() {
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
    BuildRequest.Builder request = BuildRequest.builder(profile, output)
        .arch(arch)
        .repositories(repositories)
        .extraKeys(keys)
        .allowUntrusted(allowUntrusted)
        .cacheDir(cacheDir)
        .imageReference(tag);
    BuildResult result = new ImageBuilder().build(request.build(), listener);
    // stdout carries only the digest, so scripts can capture it.
    out.println(result.manifestDigest());
    out.flush();
    return 0;
  }
}
