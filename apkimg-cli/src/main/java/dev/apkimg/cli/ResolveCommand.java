package dev.apkimg.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.apkimg.api.ResolveResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code apkimg resolve PROFILE}: the packages a build would install, in install order. */
@Command(
    name = "resolve",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {"Print the packages a build of the profile would install, in install order:",
        "one 'name version' a line, or JSON with --json."},
    footer = {"", "Examples:",
        "  apkimg resolve profiles/alpine-base.yaml",
        "  apkimg resolve profiles/alpine-base.yaml --arch aarch64 --json",
        "", Main.EXIT_CODES, Main.EXIT_CODES_MORE})
final class ResolveCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "PROFILE", description = "The YAML image profile.")
  Path profile;

  @Option(names = "--json", description = "Print JSON: arch, repositories and each package's name, version, arch, checksum, repository.")
  boolean json;

  @Mixin RepositoryOptions options;

  @Override
  public Integer call() throws Exception {
    ResolveResult resolved = options.apkimg().resolve(options.request(profile).build(),
        options.listener(spec.commandLine().getErr()));
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      ObjectNode root = mapper.createObjectNode();
      root.put("arch", resolved.arch());
      ArrayNode repos = root.putArray("repositories");
      resolved.repositories().forEach(repos::add);
      ArrayNode packages = root.putArray("packages");
      for (ResolveResult.Package p : resolved.packages()) {
        packages.addObject()
            .put("name", p.name())
            .put("version", p.version())
            .put("arch", p.arch())
            .put("checksum", p.checksum())
            .put("repository", p.repository());
      }
      out.println(mapper.writeValueAsString(root));
    } else {
      for (ResolveResult.Package p : resolved.packages()) {
        out.println(p.name() + " " + p.version());
      }
    }
    out.flush();
    return 0;
  }
}
