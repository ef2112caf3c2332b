package dev.apkimg.maven;

import dev.apkimg.testing.LoopbackHttpServer;
import dev.apkimg.testing.Prerequisites;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Real Maven builds of the sample projects in src/it against this plugin, for the ITs: the plugin
 * and its dependencies come from target/it-repo (invoker:install), the plugins the samples use
 * from the user's local repository through a file:// mirror (no network), and the apk base from
 * the fixture mirror served over HTTP on 127.0.0.1. Each IT gets a work folder of its own, copied
 * afresh from src/it, so ITs never see each other's builds.
 */
final class SampleBuilds implements AutoCloseable {
  static final String VERSION = System.getProperty("apkimg.it.version", "0.1.0-SNAPSHOT");

  private final Path mvn;
  private final Path fixtures;
  private final Path itRepo;
  private final Path work;
  private final Path settings;
  private final LoopbackHttpServer mirror;

  /** What a command printed (stdout and stderr together), and its exit code. */
  record Run(int exit, String output) {}

  private SampleBuilds(Path mvn, Path fixtures, Path itRepo, Path work, Path settings, LoopbackHttpServer mirror) {
    this.mvn = mvn;
    this.fixtures = fixtures;
    this.itRepo = itRepo;
    this.work = work;
    this.settings = settings;
    this.mirror = mirror;
  }

  /**
   * Copies the {@code projects} of src/it into a fresh folder named {@code workName} beside the
   * ITs' work folder (target/{@code workName}), or skips (fails, when required) the test when Maven,
   * the fixtures or the installed plugin are missing.
   */
  static SampleBuilds create(String workName, String... projects) throws IOException {
    Path fixtures = Prerequisites.requireSharedFixtures();
    Path mvn = Prerequisites.requireCommand("mvn");
    Path itRepo = Path.of(System.getProperty("apkimg.it.repo", "target/it-repo")).toAbsolutePath();
    Prerequisites.require(Files.isDirectory(itRepo.resolve("dev/apkimg/apkimg-maven-plugin")),
        "the plugin installed in " + itRepo + " (run through mvn verify, which runs invoker:install)");
    Path work = Path.of(System.getProperty("apkimg.it.work", "target/it")).toAbsolutePath().resolveSibling(workName);
    deleteRecursively(work);
    Files.createDirectories(work);
    Path sources = Path.of(System.getProperty("apkimg.it.projects", "src/it"));
    for (String name : projects) {
      copyProject(sources.resolve(name), work.resolve(name));
    }
    Path userRepo = Path.of(System.getProperty("apkimg.it.userRepo", System.getProperty("user.home") + "/.m2/repository"));
    Path settings = work.resolve("settings.xml");
    Files.writeString(settings, """
        <settings>
          <localRepository>%s</localRepository>
          <mirrors>
            <mirror><id>user-repository</id><mirrorOf>*</mirrorOf><url>%s</url></mirror>
          </mirrors>
        </settings>
        """.formatted(itRepo, userRepo.toAbsolutePath().toUri()));
    return new SampleBuilds(mvn, fixtures, itRepo, work, settings, LoopbackHttpServer.serve(fixtures.resolve("mirror")));
  }

  /** The copy of a sample project. */
  Path project(String name) {
    return work.resolve(name);
  }

  /** The work folder the projects were copied into. */
  Path work() {
    return work;
  }

  /** The settings.xml the builds use: the sample repository and the file:// mirror. */
  Path settings() {
    return settings;
  }

  /** The shared fixtures folder. */
  Path fixtures() {
    return fixtures;
  }

  /** The fixture mirror's base URL (ends in '/'). */
  String mirrorUrl() {
    return mirror.url();
  }

  /** The local repository of the sample builds: the plugin, and every artifact the samples resolved. */
  Path localRepository() {
    return itRepo;
  }

  /**
   * {@code mvn -B ARGS} in the copy of {@code project}, with the base image's repository and key
   * pointed at the fixtures; the log is kept in the work folder.
   */
  Run mvn(String project, String... args) throws IOException, InterruptedException {
    return mvn(settings, Map.of(), project, args);
  }

  /** As {@link #mvn(String, String...)} with other settings.xml and more environment (e.g. DOCKER_CONFIG). */
  Run mvn(Path settings, Map<String, String> environment, String project, String... args)
      throws IOException, InterruptedException {
    return mvnIn(settings, environment, work.resolve(project), project, args);
  }

  /**
   * As {@link #mvn(String, String...)}, but in {@code directory}, which need not be a copy in the
   * work folder (e.g. a module of this repository); the log is kept as {@code logName-*.log}.
   */
  Run mvnIn(Path directory, String logName, String... args) throws IOException, InterruptedException {
    return mvnIn(settings, Map.of(), directory, logName, args);
  }

  private Run mvnIn(Path settings, Map<String, String> environment, Path directory, String logName, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(mvn.toString(), "-B", "-Dstyle.color=never", "-s", settings.toString(),
        "-Dapkimg.repositories=" + mirror.url() + "v3.20/main",
        "-Dapkimg.keyring=" + fixtures.resolve("keys/apkimg-test.rsa.pub"),
        "-Dapkimg.cacheDir=" + work.resolve("apk-cache")));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true);
    // Options meant for this JVM's Maven must not reach the build under test.
    pb.environment().remove("MAVEN_OPTS");
    pb.environment().remove("MAVEN_ARGS");
    pb.environment().putAll(environment);
    Run run = run(pb, 300);
    Files.writeString(work.resolve(logName + "-" + System.nanoTime() + ".log"), String.join(" ", command) + "\n" + run.output());
    return run;
  }

  /** Runs {@code command} (stdin closed, stderr into the output); a hang fails after {@code timeoutSeconds}. */
  static Run exec(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
    return run(new ProcessBuilder(command).redirectErrorStream(true), timeoutSeconds);
  }

  static Run run(ProcessBuilder pb, int timeoutSeconds) throws IOException, InterruptedException {
    Process p = pb.start();
    p.getOutputStream().close();
    // Read on another thread, so that a hung command cannot block the test past its timeout.
    CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
      try {
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "(reading the output failed: " + e.getMessage() + ")";
      }
    });
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new AssertionError("timed out after " + timeoutSeconds + " s: " + pb.command());
    }
    try {
      return new Run(p.exitValue(), output.get(30, TimeUnit.SECONDS));
    } catch (ExecutionException | TimeoutException e) {
      throw new AssertionError("cannot read the output of " + pb.command() + ": " + e);
    }
  }

  @Override
  public void close() {
    mirror.close();
  }

  private static void copyProject(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path source : files.sorted().collect(Collectors.toList())) {
        Path target = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else if (source.getFileName().toString().equals("pom.xml")) {
          Files.writeString(target, Files.readString(source).replace("@project.version@", VERSION));
        } else {
          Files.copy(source, target);
        }
      }
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
        Files.delete(p);
      }
    }
  }
}
