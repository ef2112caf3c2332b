package dev.apkimg.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.apkimg.ApkimgException;
import dev.apkimg.api.WhyResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code apkimg why PROFILE PACKAGE}: the dependency paths that bring a package into the image. */
@Command(
    name = "why",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {"Print why a build of the profile installs PACKAGE: the dependency paths from",
        "the profile's packages (the world) to it, one a line, as apk info -r and apk dot",
        "show them. Reads the indexes only, downloads no package. Exits 1 when the",
        "profile does not install PACKAGE."},
    footer = {"", "Examples:", "  apkimg why base.yaml libcrypto3",
        "    world -> apk-tools -> so:libcrypto.so.3 (libcrypto3)",
        "  apkimg why base.yaml so:libz.so.1 --json"})
final class WhyCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "PROFILE", description = "The YAML image profile.")
  Path profile;

  @Parameters(index = "1", paramLabel = "PACKAGE", description = "A package name, or a name a package provides (so:libz.so.1, cmd:sh).")
  String packageName;

  @Option(names = "--json", description = "Print JSON: arch, package, installed, version and paths (each a list of steps).")
  boolean json;

  @Mixin RepositoryOptions options;

  @Override
  public Integer call() throws Exception {
    // The profile is resolved afresh, as 'apkimg resolve' does: a lockfile pins no dependencies to explain.
    WhyResult why = options.apkimg().why(options.request(profile).build(), packageName,
        options.listener(spec.commandLine().getErr()));
    if (!why.isInstalled()) {
      throw new ApkimgException(packageName + " is not installed by " + profile + " (" + why.arch() + ")");
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      ObjectNode root = mapper.createObjectNode();
      root.put("arch", why.arch()).put("package", why.name()).put("installed", why.installed())
          .put("version", why.version());
      ArrayNode paths = root.putArray("paths");
      for (List<String> path : why.paths()) {
        ArrayNode steps = paths.addArray();
        path.forEach(steps::add);
      }
      out.println(mapper.writeValueAsString(root));
    } else {
      for (List<String> path : why.paths()) {
        out.println(String.join(" -> ", path));
      }
    }
    out.flush();
    return 0;
  }
}
