package dev.apkimg.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.apkimg.build.ResolvedBuild;
import dev.apkimg.resolve.RepositoryPackage;
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
        "one 'name version' a line, or JSON with --json."})
final class ResolveCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "PROFILE", description = "The YAML image profile.")
  Path profile;

  @Option(names = "--json", description = "Print JSON: arch, repositories and each package's name, version, arch, checksum, repository.")
  boolean json;

  @Mixin RepositoryOptions options;

  @Override
  public Integer call() throws Exception {
    ResolvedBuild resolved = options.imageBuilder().resolve(options.request(profile).build(),
        options.listener(spec.commandLine().getErr()));
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      ObjectNode root = mapper.createObjectNode();
      root.put("arch", resolved.arch());
      ArrayNode repos = root.putArray("repositories");
      resolved.repositories().forEach(r -> repos.add(r.spec()));
      ArrayNode packages = root.putArray("packages");
      for (RepositoryPackage p : resolved.resolution().packages()) {
        packages.addObject()
            .put("name", p.info().name())
            .put("version", p.info().version())
            .put("arch", p.info().arch())
            .put("checksum", p.info().checksum())
            .put("repository", p.repository().spec());
      }
      out.println(mapper.writeValueAsString(root));
    } else {
      for (RepositoryPackage p : resolved.resolution().packages()) {
        out.println(p.info().name() + " " + p.info().version());
      }
    }
    out.flush();
    return 0;
  }
}
