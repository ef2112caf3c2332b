package dev.apkimg.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.apkimg.ApkimgException;
import dev.apkimg.Arch;
import dev.apkimg.OutputFiles;
import dev.apkimg.image.ReferrerReader;
import dev.apkimg.image.RegistryCredentials;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code apkimg sbom IMAGE}: the SBOM (or provenance) attached to an image, byte for byte. */
@Command(
    name = "sbom",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Print the SBOM attached to an image (by 'apkimg build --sbom') as attached, byte for byte:"
        + " from an OCI archive, an OCI layout folder or a registry. Every manifest and document is checked"
        + " against its digest first; nothing else goes to standard output.",
    footer = {"", "IMAGE is one of:",
        "  PATH.tar, oci-archive:PATH[:NAME]  an OCI archive (apkimg build -o)",
        "  DIR, oci:DIR[:NAME]                an OCI image layout folder",
        "  [docker://]HOST/REPO:TAG           a registry (also REPO@sha256:HEX);",
        "                                     its referrers API, else the tag sha256-HEX",
        "", "Examples:",
        "  apkimg sbom alpine-base.tar > alpine-base.spdx.json",
        "  apkimg sbom --format cyclonedx --arch aarch64 multi.tar -o aarch64.cdx.json",
        "  apkimg sbom --list registry.example.com/alpine-base:3.20",
        "", "Registry password: --password-stdin, or the environment variable " + BuildCommand.PASSWORD_ENV + ".",
        "", Main.EXIT_CODES, Main.EXIT_CODES_MORE})
final class SbomCommand implements Callable<Integer> {
  /** The formats by name, and the artifactType each is attached as. */
  static final Map<String, String> FORMATS = Map.of(
      "spdx", "application/spdx+json",
      "cyclonedx", "application/vnd.cyclonedx+json",
      "provenance", "application/vnd.in-toto+json");

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "IMAGE", description = "The image: an OCI archive or layout folder, or a registry reference.")
  String image;

  @Option(names = "--format", paramLabel = "spdx|cyclonedx|provenance", defaultValue = "spdx",
      description = "Which document: spdx (default; SPDX 2.3 JSON), cyclonedx (CycloneDX 1.6 JSON), provenance (in-toto SLSA).")
  String format;

  @Option(names = "--arch", paramLabel = "ARCH", description = "The architecture's image of a multi-platform image (apk name, e.g. aarch64).")
  String arch;

  @Option(names = "--platform", paramLabel = "OS/ARCH", description = "The platform's image of a multi-platform image, e.g. linux/arm64.")
  String platform;

  @Option(names = "--digest", paramLabel = "sha256:HEX",
      description = "Read the attached artifact whose manifest has this digest (see --list), of any format unless"
          + " --format is given, on any platform unless one is chosen. Default: the newest of the format.")
  String digest;

  @Option(names = "--list", description = "List what is attached instead, one artifact a line: platform, type, manifest digest,"
      + " document size in bytes, creation time. Every platform's unless --arch/--platform.")
  boolean list;

  @Option(names = "--json", description = "With --list: print JSON.")
  boolean json;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the document to FILE (atomically) instead of standard output.")
  Path output;

  @Option(names = "--allow-insecure-registry",
      description = "Allow registries on plain HTTP or with unverified TLS (e.g. a self-signed certificate),"
          + " and send them credentials, as build does.")
  boolean allowInsecureRegistry;

  @Option(names = "--registry-username", paramLabel = "USER",
      description = "Log in to the registry as USER; the password from --password-stdin or " + BuildCommand.PASSWORD_ENV + ".")
  String registryUsername;

  @Option(names = "--password-stdin", description = "Read the registry password from standard input (as docker login).")
  boolean passwordStdin;

  @Option(names = {"-v", "--verbose"}, description = "Print stack traces of errors.")
  boolean verbose;

  /** Where the document goes without --output; tests replace System.out. */
  private static OutputStream standardOutput() {
    return System.out;
  }

  @Override
  public Integer call() throws IOException {
    String artifactType = FORMATS.get(format.toLowerCase(Locale.ROOT));
    if (artifactType == null) {
      throw usage("--format must be spdx, cyclonedx or provenance, not '" + format + "'");
    }
    if (arch != null && platform != null) {
      throw usage("--arch and --platform both choose the platform: give one of them");
    }
    if (json && !list) {
      throw usage("--json goes with --list (the document itself is printed as attached)");
    }
    if (list && (output != null || digest != null)) {
      throw usage((output != null ? "--output" : "--digest") + " does not go with --list");
    }
    if (digest != null && !digest.matches("sha256:[0-9a-f]{64}")) {
      throw usage("--digest must be sha256: and 64 lower-case hex digits, not '" + digest + "'");
    }
    String chosen = platform;
    if (arch != null) {
      chosen = Arch.find(arch).orElseThrow(() -> usage("unknown architecture '" + arch + "' for --arch (known: "
          + String.join(", ", Arch.NAMES) + ")")).platform();
    } else if (platform != null && !platform.matches("[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?")) {
      throw usage("--platform must be OS/ARCH[/VARIANT], e.g. linux/arm64, not '" + platform + "'");
    }
    if (output != null) {
      // The archive read is an input: the document must not replace it.
      String local = image.replaceFirst("^oci-archive:", "").replaceFirst("^oci:", "").replaceFirst(":.*$", "");
      OutputFiles.checkTarget(output, "--output", local.isEmpty() ? List.of() : List.of(Path.of(local)));
    }
    try (ReferrerReader reader = ReferrerReader.open(image, credentials(), allowInsecureRegistry)) {
      if (list) {
        printList(reader.list(chosen));
        return 0;
      }
      ReferrerReader.Document document;
      try {
        // --digest alone reads that artifact whatever its type; with --format, only if it is of that type.
        boolean formatGiven = spec.commandLine().getParseResult().hasMatchedOption("--format");
        document = reader.document(chosen, digest != null && !formatGiven ? null : artifactType, digest);
      } catch (ReferrerReader.PlatformChoiceException e) {
        throw e.noneChosen() ? new ApkimgException(e.getMessage() + " with --arch ARCH or --platform OS/ARCH", e) : e;
      } catch (ReferrerReader.NotAttachedException e) {
        throw new ApkimgException(e.getMessage() + (format.equalsIgnoreCase("provenance") ? "" : "; build it with"
            + " --sbom to attach its SBOMs (apkimg sbom --list shows what is attached)"), e);
      }
      if (output != null) {
        OutputFiles.write(output, document.bytes());
        return 0;
      }
      OutputStream out = standardOutput();
      out.write(document.bytes());
      out.flush();
      if (out instanceof PrintStream p && p.checkError()) {
        throw new ApkimgException("cannot write the document to standard output: the reader went away");
      }
      return 0;
    }
  }

  private void printList(List<ReferrerReader.Attached> attached) throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      ArrayNode array = mapper.createArrayNode();
      for (ReferrerReader.Attached a : attached) {
        array.addObject().put("platform", a.platform()).put("subject", a.subjectDigest())
            .put("artifactType", a.artifactType()).put("digest", a.digest())
            .put("documentDigest", a.documentDigest()).put("size", a.documentSize()).put("created", a.created());
      }
      out.println(mapper.writeValueAsString(array));
    } else {
      for (ReferrerReader.Attached a : attached) {
        out.println(String.join(" ", a.platform().isEmpty() ? "-" : a.platform(), a.artifactType(), a.digest(),
            Long.toString(a.documentSize()), a.created().isEmpty() ? "-" : a.created()));
      }
    }
    out.flush();
  }

  private CommandLine.ParameterException usage(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }

  private RegistryCredentials credentials() throws IOException {
    RegistryCredentials found = RegistryCredentials.fromEnvironment();
    if (registryUsername == null) {
      if (passwordStdin) {
        throw usage("--password-stdin needs --registry-username");
      }
      return found;
    }
    if (passwordStdin) {
      return found.withLogin(registryUsername, BuildCommand.readPassword(System.in), "--registry-username and --password-stdin");
    }
    String password = System.getenv(BuildCommand.PASSWORD_ENV);
    if (password == null || password.isEmpty()) {
      throw usage("--registry-username needs a password: pipe it to --password-stdin, or set " + BuildCommand.PASSWORD_ENV);
    }
    return found.withLogin(registryUsername, password, "--registry-username and " + BuildCommand.PASSWORD_ENV);
  }
}
