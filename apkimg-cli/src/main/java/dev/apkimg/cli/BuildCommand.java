package dev.apkimg.cli;

import dev.apkimg.OutputFiles;
import dev.apkimg.TemporaryFiles;
import dev.apkimg.api.BuildEvent;
import dev.apkimg.api.BuildListener;
import dev.apkimg.api.BuildRequest;
import dev.apkimg.api.BuildResult;
import dev.apkimg.api.Outputs;
import dev.apkimg.image.RegistryCredentials;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code apkimg build PROFILE [-o OUT.tar] [--push REF]... [--daemon]}. */
@Command(
    name = "build",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Build an image from an image profile: an archive, a push to registries, a load into Docker.",
    footer = {"", "Examples:", "  apkimg build profiles/alpine-base.yaml -o alpine-base.tar",
        "  apkimg build profiles/alpine-base.yaml --push registry.example.com/alpine-base:3.20",
        "", "Registry password: --password-stdin, or the environment variable " + BuildCommand.PASSWORD_ENV + ".",
        "", Main.EXIT_CODES, Main.EXIT_CODES_MORE})
final class BuildCommand implements Callable<Integer> {
  static final String PASSWORD_ENV = "APKIMG_REGISTRY_PASSWORD";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "PROFILE", description = "The YAML image profile.")
  Path profile;

  @Option(names = {"-o", "--output"}, paramLabel = "OUT.tar",
      description = "Write the image archive here (OCI layout in a tar unless --format docker); '-' writes it to"
          + " standard output (e.g. | docker load), and the digest goes only to --digest-file.")
  Path output;

  @Option(names = "--format", paramLabel = "oci|docker", defaultValue = "oci",
      description = "Archive format: oci (default; several archs in one image index) or docker (docker load; one arch).")
  String format;

  @Option(names = "--tag", paramLabel = "NAME", description = "Image name recorded in the archive and the daemon, as given. Default: PROFILE's file name, tag latest.")
  String tag;

  @Option(names = "--push", paramLabel = "REF",
      description = "Push to this registry reference, e.g. registry.example.com/team/base:1.0 (repeatable).")
  List<String> push = new ArrayList<>();

  @Option(names = "--daemon", description = "Load the image into the running Docker daemon (docker load).")
  boolean daemon;

  @Option(names = "--allow-insecure-registry",
      description = "Allow registries on plain HTTP or with unverified TLS, and send them credentials.")
  boolean allowInsecureRegistry;

  @Option(names = "--registry-username", paramLabel = "USER",
      description = "Log in to the registries pushed to as USER; the password from --password-stdin or " + PASSWORD_ENV + ".")
  String registryUsername;

  @Option(names = "--password-stdin", description = "Read the registry password from standard input (as docker login).")
  boolean passwordStdin;

  @Option(names = "--metadata-file", paramLabel = "FILE",
      description = "Write JSON: digest, per-arch manifests and platforms, tags, sizes, installed packages.")
  Path metadataFile;

  @Option(names = "--digest-file", paramLabel = "FILE", description = "Write the image digest alone.")
  Path digestFile;

  @Option(names = "--sbom-dir", paramLabel = "DIR",
      description = "Write the SBOMs and provenance into DIR: per architecture ARCH.spdx.json (SPDX 2.3), ARCH.cdx.json (CycloneDX 1.6), ARCH.provenance.json (SLSA v1); index.spdx.json and index.cdx.json for several architectures.")
  Path sbomDir;

  @Option(names = "--sbom", negatable = true,
      description = "Attach each architecture's SBOMs (SPDX, CycloneDX) to its image as OCI 1.1 referrers in the OCI"
          + " archive too (listed in index.json; name the image when copying it, e.g. skopeo copy oci-archive:FILE:TAG)."
          + " Pushed images carry them by default (referrers tag sha256-HEX). --no-sbom: no SBOM anywhere (not with --sbom-dir).")
  Boolean sbom; // null: not given

  @Option(names = "--lockfile", paramLabel = "FILE",
      description = "Install the packages this lockfile pins. Default: PROFILE's NAME.lock.json, when it exists.")
  Path lockfile;

  @Option(names = "--no-lockfile", description = "Ignore the lockfile beside the profile; resolve from the indexes.")
  boolean noLockfile;

  @Option(names = "--source-date-epoch", paramLabel = "SECONDS",
      description = "Clamp every file time to this and create the image at it (seconds since 1970)."
          + " Default: $SOURCE_DATE_EPOCH, else the newest package build date.")
  String sourceDateEpoch; // text: the core checks the range and names the flag

  @Option(names = "--no-layer-cache",
      description = "Compress the one-layer root filesystem afresh even when the cache holds one with the same"
          + " content (the cache keeps the last 8; for benchmarks and checks).")
  boolean noLayerCache;

  @Option(names = "--layering", paramLabel = "packages|single",
      description = "Split the root filesystem into one layer per package (packages) or keep one layer (single)."
          + " Overrides the profile's layering.strategy. Default: the profile's, else single.")
  String layering; // text: the core checks it and names the flag

  @Option(names = {"-p", "--package-append"}, paramLabel = "NAME",
      description = "Also install this package (repeatable; a name or a constraint, e.g. curl or 'curl>=8'), as apko's -p.")
  List<String> packageAppend = new ArrayList<>();

  @Option(names = "--annotations", paramLabel = "KEY=VALUE",
      description = "Add this manifest and index annotation, over the profile's (repeatable; apko's KEY:VALUE too).")
  List<String> annotations = new ArrayList<>();

  @Option(names = "--vcs",
      description = "When the profile has no vcs-url: annotate the image with the origin remote (without credentials)"
          + " and the commit of the git checkout holding the profile (org.opencontainers.image.source, .revision).")
  boolean vcs;

  @Option(names = "--progress", paramLabel = "auto|tty|plain|json", defaultValue = "auto",
      description = "How progress is shown on stderr: tty redraws a live display in place (downloads with bytes and"
          + " rate, layer writing, blobs being pushed) below the finished steps, plain prints one line per"
          + " step with the elapsed seconds, json one JSON object per event and line (progress events included). auto: tty on a terminal, plain when"
          + " not a terminal or CI is set. Default: ${DEFAULT-VALUE}.")
  String progress;

  @Mixin RepositoryOptions options;

  @Override
  public Integer call() throws IOException {
    boolean docker = switch (format.toLowerCase(Locale.ROOT)) {
      case "oci" -> false;
      case "docker" -> true;
      default -> throw new CommandLine.ParameterException(spec.commandLine(),
          "--format must be oci or docker, not '" + format + "'");
    };
    if (output == null && push.isEmpty() && !daemon) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "nothing to do: give -o FILE, --push REF or --daemon");
    }
    ProgressPrinter.Mode progressMode = ProgressPrinter.Mode.parse(progress);
    if (progressMode == null) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--progress must be auto, tty, plain or json, not '" + progress + "'");
    }
    boolean toStdout = output != null && output.toString().equals("-");
    checkOutputs(toStdout);
    // -o -: the archive is written to a temporary file, then copied to stdout once it is whole.
    Path stdoutDir = toStdout ? TemporaryFiles.register(Files.createTempDirectory("apkimg-stdout-")) : null;
    Path archive = toStdout ? stdoutDir.resolve("image.tar") : output;
    Outputs.Builder outputs = Outputs.builder().push(push).daemon(daemon).allowInsecureRegistries(allowInsecureRegistry)
        .credentials(credentials()).metadataFile(metadataFile).digestFile(digestFile).sbomDir(sbomDir)
        .sbom(Boolean.TRUE.equals(sbom)).sbomOnPush(!Boolean.FALSE.equals(sbom));
    if (archive != null) {
      outputs.archive(archive, docker ? Outputs.Format.DOCKER : Outputs.Format.OCI);
    }
    if (toStdout) {
      outputs.archiveName("-");
    }
    for (String p : packageAppend) {
      try {
        dev.apkimg.apk.Dependency.parse(p);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--package-append: " + e.getMessage());
      }
    }
    java.util.Map<String, String> parsedAnnotations;
    try {
      parsedAnnotations = dev.apkimg.profile.ProfileOverrides.parseAnnotations(annotations, "--annotations");
    } catch (dev.apkimg.ApkimgException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    BuildRequest.Builder request = options.request(profile).imageReference(tag)
        .lockfile(lockfile).useLockfile(!noLockfile).outputs(outputs.build())
        .packagesAppended(packageAppend).annotations(parsedAnnotations).vcs(vcs);
    if (sourceDateEpoch != null) {
      request.sourceDateEpoch(sourceDateEpoch, "--source-date-epoch");
    } else {
      request.sourceDateEpoch(System.getenv("SOURCE_DATE_EPOCH"), "SOURCE_DATE_EPOCH");
    }
    request.layering(layering, "--layering");
    request.reuseLayers(!noLayerCache);
    ProgressPrinter printer = ProgressPrinter.start(progressMode, spec.commandLine().getErr(), options.quiet,
        options.verbose);
    BuildListener listener = toStdout ? standardOutputNamed(printer) : printer;
    try {
      // Archive, metadata and digest are staged and moved into place together, after every
      // push and load succeeded: a failed build leaves none of them.
      BuildResult result;
      try {
        result = options.apkimg().build(request.build(), listener);
      } catch (RuntimeException e) {
        printer.failed(e.getMessage());
        throw e;
      } finally {
        printer.close(); // the live display is gone before the digest or the error is printed
      }
      if (toStdout) {
        // stdout carries the archive; the digest is in --digest-file or --metadata-file.
        Files.copy(archive, System.out);
        System.out.flush();
        if (System.out.checkError()) { // PrintStream keeps write errors to itself
          throw new dev.apkimg.ApkimgException("cannot write the archive to standard output: the reader went away");
        }
        return 0;
      }
      PrintWriter out = spec.commandLine().getOut();
      // stdout carries only the digest, so scripts can capture it.
      out.println(result.digest());
      out.flush();
      return 0;
    } finally {
      if (stdoutDir != null) {
        TemporaryFiles.delete(stdoutDir);
      }
    }
  }

  /**
   * Refuses, before anything is built, an output that would replace the profile or the lockfile,
   * a directory, a device or a FIFO, or another output of the same build.
   */
  private void checkOutputs(boolean toStdout) {
    List<Path> inputs = new ArrayList<>(List.of(profile));
    if (lockfile != null) {
      inputs.add(lockfile);
    } else if (!noLockfile) {
      inputs.add(BuildRequest.defaultLockfile(profile));
    }
    if (output != null && !toStdout) {
      OutputFiles.checkTarget(output, "-o", inputs);
      inputs.add(output);
    }
    if (metadataFile != null) {
      OutputFiles.checkTarget(metadataFile, "--metadata-file", inputs);
      inputs.add(metadataFile);
    }
    if (digestFile != null) {
      OutputFiles.checkTarget(digestFile, "--digest-file", inputs);
    }
    if (Boolean.FALSE.equals(sbom) && sbomDir != null) {
      throw new dev.apkimg.ApkimgException(
          "--no-sbom and --sbom-dir contradict each other: give one of them");
    }
    if (Boolean.TRUE.equals(sbom) && ((output != null && !"oci".equalsIgnoreCase(format)) || daemon)) {
      throw new dev.apkimg.ApkimgException("--sbom attaches the SBOMs to the OCI archive (-o FILE, --format oci)"
          + " and to pushed images (--push REF) only: " + (daemon ? "--daemon does not carry them"
              : "a Docker archive has no place for them") + "; use --sbom-dir DIR for the files");
    }
    if (sbomDir != null) {
      if (Files.exists(sbomDir) && !Files.isDirectory(sbomDir)) {
        throw new dev.apkimg.ApkimgException("--sbom-dir " + sbomDir + " is not a folder: name a folder (it is"
            + " created when missing)");
      }
    }
  }

  /** The progress line about the archive names standard output, not the temporary file. */
  private static BuildListener standardOutputNamed(BuildListener listener) {
    return event -> listener.on(event instanceof BuildEvent.Wrote w
        ? new BuildEvent.Wrote("standard output", w.tag(), w.digest()) : event);
  }

  private RegistryCredentials credentials() throws IOException {
    RegistryCredentials found = RegistryCredentials.fromEnvironment();
    if (registryUsername == null) {
      if (passwordStdin) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--password-stdin needs --registry-username");
      }
      return found;
    }
    if (passwordStdin) {
      return found.withLogin(registryUsername, readPassword(System.in), "--registry-username and --password-stdin");
    }
    String password = System.getenv(PASSWORD_ENV);
    if (password == null || password.isEmpty()) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--registry-username needs a password: pipe it to --password-stdin, or set " + PASSWORD_ENV);
    }
    return found.withLogin(registryUsername, password, "--registry-username and " + PASSWORD_ENV);
  }

  /** All of stdin without the line end after it, as docker login --password-stdin reads it. */
  static String readPassword(InputStream in) throws IOException {
    String password = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    if (password.endsWith("\n")) {
      password = password.substring(0, password.length() - 1);
    }
    if (password.endsWith("\r")) {
      password = password.substring(0, password.length() - 1);
    }
    if (password.isEmpty()) {
      throw new dev.apkimg.ApkimgException("--password-stdin: standard input was empty");
    }
    return password;
  }
}
