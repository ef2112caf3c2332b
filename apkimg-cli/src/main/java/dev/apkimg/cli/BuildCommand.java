package dev.apkimg.cli;

import dev.apkimg.build.BuildResult;
import dev.apkimg.build.ImageBuilder;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code apkimg build PROFILE -o OUT.tar}. */
@Command(
    name = "build",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Build an OCI image archive from an image profile.",
    footer = {"", "Example:", "  apkimg build profiles/alpine-base.yaml -o alpine-base.tar"})
final class BuildCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "PROFILE", description = "The YAML image profile.")
  Path profile;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.tar",
      description = "Where to write the OCI image archive (OCI layout in a tar).")
  Path output;

  @Option(names = "--tag", paramLabel = "NAME", description = "Image name recorded in the archive. Default: PROFILE's file name, tag latest.")
  String tag;

  @Option(names = "--lockfile", paramLabel = "FILE",
      description = "Install the packages this lockfile pins. Default: PROFILE's NAME.lock.json, when it exists.")
  Path lockfile;

  @Option(names = "--no-lockfile", description = "Ignore the lockfile beside the profile; resolve from the indexes.")
  boolean noLockfile;

  @Option(names = "--source-date-epoch", paramLabel = "SECONDS",
      description = "Clamp every file time to this and create the image at it (seconds since 1970)."
          + " Default: $SOURCE_DATE_EPOCH, else the newest package build date.")
  Long sourceDateEpoch;

  @Mixin RepositoryOptions options;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    BuildResult result = new ImageBuilder().build(
        options.request(profile).output(output).imageReference(tag)
            .lockfile(lockfile).useLockfile(!noLockfile).sourceDateEpoch(sourceDateEpoch()).build(),
        options.listener(spec.commandLine().getErr()));
    // stdout carries only the digest, so scripts can capture it.
    out.println(result.manifestDigest());
    out.flush();
    return 0;
  }

  /** The flag, else the reproducible-builds convention's environment variable. */
  private Long sourceDateEpoch() {
    if (sourceDateEpoch != null) {
      if (sourceDateEpoch < 0) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--source-date-epoch must not be negative");
      }
      return sourceDateEpoch;
    }
    String env = System.getenv("SOURCE_DATE_EPOCH");
    if (env == null || env.isBlank()) {
      return null;
    }
    if (!env.trim().matches("\\d{1,18}")) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "SOURCE_DATE_EPOCH must be seconds since 1970, not '" + env + "'");
    }
    return Long.parseLong(env.trim());
  }
}
