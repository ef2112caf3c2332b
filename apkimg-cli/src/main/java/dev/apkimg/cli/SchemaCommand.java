package dev.apkimg.cli;

import dev.apkimg.profile.EffectiveProfile;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code apkimg schema}: the profile's JSON Schema, for editors. */
@Command(
    name = "schema",
    mixinStandardHelpOptions = true,
    description = "Print the JSON Schema (draft 2020-12) of image profiles. Save it and put"
        + " '# yaml-language-server: $schema=PATH' on a profile's first line to have editors check profiles.",
    footer = {"", "Examples:",
        "  apkimg schema > apkimg-profile.schema.json",
        "", Main.EXIT_CODES, Main.EXIT_CODES_MORE})
final class SchemaCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().getOut().print(EffectiveProfile.schema());
    spec.commandLine().getOut().flush();
    return 0;
  }
}
