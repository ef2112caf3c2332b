package dev.apkimg.cli.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.cli.Main;
import dev.apkimg.testing.LoopbackHttpServer;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.assertj.core.api.AbstractStringAssert;

/**
 * A sandbox for one hostile input (issue #9): a folder with {@code out/} (the build's output
 * folder), {@code cache/} (its package cache), keys, profiles and mirrors served on 127.0.0.1.
 * {@link #assertRefused} checks the refusal contract every hostile case must keep: exit code 1,
 * one line on stderr naming the culprit and no stack trace, no output file, no temporary
 * folder or {@code .part} file, and no file written outside the output and the cache.
 */
public final class HostileBuild implements AutoCloseable {
  private final Path root;
  private final Path out;
  private final Path cache;
  private final Path keyFile;
  private final List<LoopbackHttpServer> servers = new ArrayList<>();
  private Set<String> outsideBefore;
  private Set<String> tmpBefore;

  public HostileBuild(Path root) throws IOException {
    this.root = root;
    this.out = Files.createDirectories(root.resolve("out"));
    this.cache = root.resolve("cache");
    this.keyFile = TestKeys.primary().writePublicKey(root.resolve("keys"));
  }

  public Path root() {
    return root;
  }

  public Path out() {
    return out;
  }

  public Path cache() {
    return cache;
  }

  /** The trusted public key file of {@link TestKeys#primary()}. */
  public Path keyFile() {
    return keyFile;
  }

  /** The image a build writes: {@code out/image.tar}. */
  public Path image() {
    return out.resolve("image.tar");
  }

  /** An ordinary package with one file, for good builds. */
  public static TestPackage pkg(String name) {
    return TestPackage.builder(name, "1.0-r0").arch("x86_64")
        .dir("usr").dir("usr/share").file("usr/share/" + name + ".txt", name + " content\n").build();
  }

  /** Writes {@code repo} as a mirror and serves it; returns the repository URL. */
  public String serve(TestRepository repo) throws IOException {
    Path mirror = Files.createTempDirectory(root, "mirror");
    repo.write(mirror.resolve("alpine/main"));
    return serveDir(mirror) + "alpine/main";
  }

  /** Serves an already written folder; returns its base URL (ends in '/'). */
  public String serveDir(Path dir) throws IOException {
    LoopbackHttpServer server = LoopbackHttpServer.serve(dir);
    servers.add(server);
    return server.url();
  }

  /** A profile file in {@code profiles/} with this YAML. */
  public Path profile(String yaml) throws IOException {
    Path dir = Files.createDirectories(root.resolve("profiles"));
    Path p = Files.createTempFile(dir, "profile", ".yaml");
    Files.writeString(p, yaml);
    return p;
  }

  /** A profile for {@code url} installing {@code packages} for x86_64. */
  public Path profile(String url, String... packages) throws IOException {
    return profile("contents:\n  repositories:\n    - " + url + "\n  packages: [" + String.join(", ", packages)
        + "]\narchs: [x86_64]\n");
  }

  /**
   * {@code apkimg build PROFILE -o out/image.tar --cache-dir cache -q -k KEY EXTRA...}. The
   * sandbox is snapshotted first, so {@link #assertRefused} can tell what the build wrote.
   */
  public Result build(Path profile, String... extra) {
    List<String> args = new ArrayList<>(List.of("build", profile.toString(), "-o", image().toString(),
        "--cache-dir", cache.toString(), "-q", "-k", keyFile.toString()));
    args.addAll(List.of(extra));
    return run(args.toArray(String[]::new));
  }

  /** Runs any command line in this sandbox, snapshotting it first. */
  public Result run(String... args) {
    outsideBefore = filesOutsideOutputAndCache();
    tmpBefore = apkimgTempEntries();
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    int code = Main.run(args, new PrintWriter(o, true), new PrintWriter(e, true));
    return new Result(code, o.toString(), withoutOsReleaseWarning(e.toString()));
  }

  /** A stderr line without the {@code [  0.42s] } that {@code --progress plain} puts first. */
  static String withoutElapsed(String line) {
    return line.replaceFirst("^\\[ *\\d+\\.\\d\\ds\\] ", "");
  }

  /**
   * stderr without the warning that the image has no etc/os-release: the sandbox's packages ship
   * none, on purpose small; SbomDistroTest tests that warning. Every other line stays.
   */
  static String withoutOsReleaseWarning(String err) {
    return err.lines().filter(l -> !withoutElapsed(l).startsWith("apkimg: warning: the image has no etc/os-release"))
        .map(l -> l + "\n").collect(java.util.stream.Collectors.joining());
  }

  /**
   * The refusal contract: exit 1, nothing on stdout, exactly one {@code apkimg: error: } line on
   * stderr with no stack trace; the output folder is empty; the cache holds no partial file; no
   * file appeared outside the output and the cache (nor an {@code apkimg-*} in the temp folder).
   * Returns the error line for the case's own assertions (what it names).
   */
  public AbstractStringAssert<?> assertRefused(Result r) {
    return assertRefused(r, 1);
  }

  /** As {@link #assertRefused(Result)} with another exit code (130/143 for interrupts). */
  public AbstractStringAssert<?> assertRefused(Result r, int exitCode) {
    assertThat(r.code()).as(r.toString()).isEqualTo(exitCode);
    assertThat(r.out()).as("stdout; " + r).isEmpty();
    assertThat(r.err().lines().toList()).as("stderr; " + r).hasSize(1);
    assertThat(r.err()).as("stderr").startsWith("apkimg: error: ").doesNotContain("\tat ")
        .doesNotContain("Exception").doesNotContain("\u001b[");
    assertNoDebris();
    return assertThat(r.err().lines().findFirst().orElseThrow());
  }

  /** No output, no partial cache entry, nothing new outside output and cache, no temp folder. */
  public void assertNoDebris() {
    assertThat(list(out)).as("files left in the output folder").isEmpty();
    assertThat(walk(cache).stream().filter(p -> p.endsWith(".part") || p.contains(".apkimg-")
        || p.contains("/.tmp") || p.endsWith(".tmp")).toList()).as("partial files in the cache").isEmpty();
    Set<String> outside = filesOutsideOutputAndCache();
    outside.removeAll(outsideBefore);
    assertThat(outside).as("files written outside the output and the cache").isEmpty();
    Set<String> tmp = apkimgTempEntries();
    tmp.removeAll(tmpBefore);
    assertThat(tmp).as("apkimg work folders left in " + System.getProperty("java.io.tmpdir")).isEmpty();
  }

  /** A good build with the same cache after the refusal: exit 0 and an image. */
  public Result assertGoodBuildSucceeds(Path goodProfile, String... extra) {
    Result r = build(goodProfile, extra);
    assertThat(r.code()).as("the next good build with the same cache; " + r).isZero();
    assertThat(image()).isRegularFile();
    return r;
  }

  private Set<String> filesOutsideOutputAndCache() {
    return walk(root).stream()
        .filter(p -> !p.startsWith("out/") && !p.equals("out") && !p.startsWith("cache/") && !p.equals("cache"))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static Set<String> apkimgTempEntries() {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    try (Stream<Path> s = Files.list(tmp)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("apkimg-") || n.startsWith(".apkimg-"))
          .collect(Collectors.toCollection(TreeSet::new));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> list(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every path under {@code dir}, relative, '/'-separated; symlinks not followed. */
  private List<String> walk(Path dir) {
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> !p.equals(dir)).map(p -> root.relativize(p).toString().replace('\\', '/')).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    servers.forEach(LoopbackHttpServer::close);
  }

  /** What one run printed and returned. */
  public record Result(int code, String out, String err) {
    @Override
    public String toString() {
      return "exit " + code + ", stdout [" + out + "], stderr [" + err + "]";
    }
  }
}
