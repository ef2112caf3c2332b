package dev.apkimg.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.apkimg.ApkimgException;
import dev.apkimg.Arch;
import dev.apkimg.api.ResolveResult;
import dev.apkimg.image.ImagePackages;
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

/** {@code apkimg diff A B}: the packages two profiles, lockfiles or image archives differ in. */
@Command(
    name = "diff",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {"Print how the packages of A and B differ, one change a line, sorted by name:",
        "  added NAME VERSION | removed NAME VERSION | upgraded NAME OLD -> NEW",
        "  downgraded NAME OLD -> NEW | rebuilt NAME VERSION (another checksum)",
        "A and B are each a profile (*.yaml, *.yml: resolved from its indexes), a",
        "lockfile (*.lock.json) or an OCI image archive (its lib/apk/db/installed, and",
        "a line 'layers A|B COUNT BYTES (BYTES of each layer)' with the compressed sizes).",
        "Exits 0 whether or not they differ; 1 when a side cannot be read."},
    footer = {"", "Examples:", "  apkimg diff base.lock.json base.yaml",
        "    upgraded musl 1.2.4-r0 -> 1.2.5-r0",
        "  apkimg diff old.tar new.tar --json"})
final class DiffCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "A", description = "The old side: a profile, a lockfile or an OCI archive.")
  Path a;

  @Parameters(index = "1", paramLabel = "B", description = "The new side: a profile, a lockfile or an OCI archive.")
  Path b;

  @Option(names = "--json", description = "Print JSON: each side (source, kind, arch, layers) and the changes.")
  boolean json;

  @Mixin RepositoryOptions options;

  /** One side, read. */
  private record Side(Path source, String kind, String arch, List<PackageChanges.Installed> packages,
      List<ImagePackages.Layer> layers) {}

  @Override
  public Integer call() throws Exception {
    Side before = read(a);
    Side after = read(b);
    List<PackageChanges.Change> changes = PackageChanges.between(before.packages(), after.packages());
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      ObjectNode root = mapper.createObjectNode();
      side(root.putObject("a"), before);
      side(root.putObject("b"), after);
      ArrayNode list = root.putArray("changes");
      for (PackageChanges.Change c : changes) {
        list.addObject().put("change", c.kind().word()).put("name", c.name()).put("from", c.from()).put("to", c.to());
      }
      out.println(mapper.writeValueAsString(root));
    } else {
      changes.forEach(c -> out.println(c.line()));
      layers(out, "A", before);
      layers(out, "B", after);
      if (!options.quiet) {
        spec.commandLine().getErr().println(changes.isEmpty() ? "the packages are the same"
            : changes.size() + " package change" + (changes.size() == 1 ? "" : "s"));
      }
    }
    out.flush();
    return 0;
  }

  /** {@code layers A 2 1234567 (812345 422222)}: how many layers, their compressed bytes in all and each. */
  private static void layers(PrintWriter out, String label, Side side) {
    if (side.layers() != null) {
      out.println("layers " + label + " " + side.layers().size() + " " + side.layers().stream()
          .mapToLong(ImagePackages.Layer::size).sum() + " bytes (" + String.join(" ", side.layers().stream()
          .map(l -> Long.toString(l.size())).toList()) + ")");
    }
  }

  private static void side(ObjectNode node, Side side) {
    node.put("source", side.source().toString()).put("kind", side.kind()).put("arch", side.arch());
    if (side.layers() != null) {
      ArrayNode layers = node.putArray("layers");
      side.layers().forEach(l -> layers.addObject().put("digest", l.digest()).put("size", l.size()));
    }
    node.put("packages", side.packages().size());
  }

  private Side read(Path path) {
    String name = path.getFileName() == null ? "" : path.getFileName().toString();
    if (name.endsWith(".yaml") || name.endsWith(".yml")) {
      ResolveResult r = options.apkimg().resolve(options.request(path).build(),
          options.listener(spec.commandLine().getErr()));
      return new Side(path, "profile", r.arch(), r.packages().stream()
          .map(p -> new PackageChanges.Installed(p.name(), p.version(), p.checksum())).toList(), null);
    }
    if (!Files.isRegularFile(path)) {
      throw new ApkimgException(path + " does not exist (give a profile, a *.lock.json lockfile or an OCI archive)");
    }
    if (name.endsWith(".lock.json")) {
      Lockfile lock = Lockfile.read(path);
      String arch = arch();
      if (arch == null && lock.archs().size() == 1) {
        arch = lock.archs().firstKey();
      }
      if (arch == null || !lock.archs().containsKey(arch)) {
        throw new ApkimgException("lockfile " + path + (arch == null ? " pins several architectures" : " has no " + arch)
            + " (it has " + String.join(", ", lock.archs().keySet()) + "): choose one with --arch");
      }
      return new Side(path, "lockfile", arch, lock.archs().get(arch).packages().stream()
          .map(p -> new PackageChanges.Installed(p.name(), p.version(), p.checksum())).toList(), null);
    }
    ImagePackages.Contents image;
    try {
      image = ImagePackages.read(path, arch());
    } catch (ImagePackages.PlatformChoiceException e) {
      throw new ApkimgException(e.getMessage() + " with --arch");
    }
    String platform = image.platform();
    String arch = platform.isEmpty() ? "" : Arch.find(platform).map(Arch::apkName).orElse(platform);
    return new Side(path, "archive", arch, image.packages(), image.layers());
  }

  /** The one architecture --arch names (apk name), or null. */
  private String arch() {
    if (options.arch == null) {
      return null;
    }
    String arch = options.arch.strip();
    if (arch.equals("host")) {
      return Arch.host().map(Arch::apkName).orElseThrow(() -> new ApkimgException("apkimg does not know this machine's architecture: name one with --arch"));
    }
    if (arch.contains(",") || arch.equals("all")) {
      throw new CommandLine.ParameterException(spec.commandLine(), "diff compares one architecture: give --arch one");
    }
    return Arch.of(arch).apkName();
  }
}
