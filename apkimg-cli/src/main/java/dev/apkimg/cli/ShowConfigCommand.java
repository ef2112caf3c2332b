package dev.apkimg.cli;

import dev.apkimg.profile.EffectiveProfile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code apkimg show-config PROFILE}: apko's verb. */
@Command(
    name = "show-config",
    mixinStandardHelpOptions = true,
    description = "Print the profile as a build reads it: includes merged, defaults written out, as YAML."
        + " Reads no network.",
    footer = {"", "Examples:",
        "  apkimg show-config profiles/alpine-base.yaml",
        "  apkimg show-config profiles/app.yaml --files-root . > app.effective.yaml",
        "", Main.EXIT_CODES, Main.EXIT_CODES_MORE})
final class ShowConfigCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "PROFILE", description = "The YAML image profile.")
  Path profile;

  @Option(names = "--files-root", paramLabel = "DIR",
      description = "Let the profile's files: copy from DIR too (repeatable), as build's --files-root.")
  List<Path> filesRoots = new ArrayList<>();

  @Option(names = {"-v", "--verbose"}, description = "Print stack traces of errors.")
  boolean verbose;

  @Override
  public Integer call() {
    String yaml = EffectiveProfile.yaml(profile, filesRoots);
    spec.commandLine().getOut().print(yaml);
    spec.commandLine().getOut().flush();
    return 0;
  }
}
