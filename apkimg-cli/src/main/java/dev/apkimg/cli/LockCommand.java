package dev.apkimg.cli;

import dev.apkimg.OutputFiles;
import dev.apkimg.api.BuildRequest;
import dev.apkimg.api.LockResult;
import dev.apkimg.resolve.Lockfile;
import dev.apkimg.resolve.PackageChanges;
import java.io.PrintWriter;
import java.nio.file.Files;
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

  @Option(names = "--update",
      description = "Print what changed since the lockfile last written (added, removed, upgraded OLD -> NEW, ...),"
          + " one change a line on stdout instead of the lockfile's path, or that nothing did; then write it.")
  boolean update;

  @Mixin RepositoryOptions options;

  @Override
  public Integer call() {
    Path target = output != null ? output : BuildRequest.defaultLockfile(profile);
    OutputFiles.checkTarget(target, output != null ? "-o" : "the lockfile", List.of(profile));
    // Read before resolving: the lockfile being replaced is what the changes are measured against.
    Lockfile previous = update && Files.isRegularFile(target) ? Lockfile.read(target) : null;
    LockResult lock = options.apkimg().lock(options.request(profile).useLockfile(false).build(), target,
        options.listener(spec.commandLine().getErr()));
    int count = lock.total();
    if (update) {
      printChanges(previous, Lockfile.read(target), target);
    } else {
      spec.commandLine().getOut().println(target);
    }
    spec.commandLine().getOut().flush();
    if (!options.quiet) {
      spec.commandLine().getErr().println("locked " + count + " packages for " + String.join(", ", lock.packages().keySet()));
    }
    return 0;
  }

  /** Per architecture, sorted by name; the lines say the architecture only when the lockfile pins several. */
  private void printChanges(Lockfile previous, Lockfile current, Path target) {
    PrintWriter out = spec.commandLine().getOut();
    java.util.SortedSet<String> archs = new java.util.TreeSet<>(current.archs().keySet());
    if (previous != null) {
      archs.addAll(previous.archs().keySet());
    }
    int count = 0;
    for (String arch : archs) {
      List<PackageChanges.Change> changes = PackageChanges.between(packages(previous, arch), packages(current, arch));
      for (PackageChanges.Change c : changes) {
        out.println((archs.size() > 1 ? arch + ": " : "") + c.line());
      }
      count += changes.size();
    }
    if (count == 0) {
      out.println("no changes since the last lock (" + target + ")");
    }
  }

  private static List<PackageChanges.Installed> packages(Lockfile lock, String arch) {
    if (lock == null || !lock.archs().containsKey(arch)) {
      return List.of();
    }
    return lock.archs().get(arch).packages().stream()
        .map(p -> new PackageChanges.Installed(p.name(), p.version(), p.checksum())).toList();
  }
}
