package dev.apkimg.cli;

import dev.apkimg.OutputFiles;
import dev.apkimg.api.BuildRequest;
import dev.apkimg.api.LockResult;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code apkimg lock PROFILE [-o FILE]}: pin the packages a build installs. */
@Command(
    name = "lock",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {"Resolve and download the profile's packages and pin them in a lockfile: per arch the",
        "repositories, the keys (embedded) and each package's version, URL, control checksum and data",
        "SHA-256. 'apkimg build' then installs exactly those packages without reading any index."},
    footer = {"", "Examples:",
        "  apkimg lock profiles/alpine-base.yaml            (writes profiles/alpine-base.lock.json)",
        "  apkimg lock profiles/alpine-base.yaml --arch all -o alpine-base.lock.json",
        "", Main.EXIT_CODES, Main.EXIT_CODES_MORE})
final class LockCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "PROFILE", description = "The YAML image profile.")
  Path profile;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE",
      description = "Where to write the lockfile. Default: beside PROFILE, NAME.lock.json.")
  Path output;

  @Mixin RepositoryOptions options;

  @Override
  public Integer call() {
    Path target = output != null ? output : BuildRequest.defaultLockfile(profile);
    OutputFiles.checkTarget(target, output != null ? "-o" : "the lockfile", List.of(profile));
    LockResult lock = options.apkimg().lock(options.request(profile).useLockfile(false).build(), target,
        options.listener(spec.commandLine().getErr()));
    int count = lock.total();
    spec.commandLine().getOut().println(target);
    spec.commandLine().getOut().flush();
    if (!options.quiet) {
      spec.commandLine().getErr().println("locked " + count + " packages for " + String.join(", ", lock.packages().keySet()));
    }
    return 0;
  }
}
