package dev.apkimg.fuzz;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apkimg.ApkimgException;
import dev.apkimg.profile.ImageProfile;
import dev.apkimg.profile.ProfileException;
import dev.apkimg.profile.ProfileLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ProfileLoader} on mutated YAML: it returns a profile or throws {@link ApkimgException}
 * (a {@link dev.apkimg.profile.ProfileException}: one line naming file, line and column), never
 * a Jackson or SnakeYAML exception, an NPE or a ClassCastException.
 */
class ProfileFuzzTest {
  @TempDir
  Path tmp;

  private static final String BASE = """
      contents:
        repositories:
          - https://dl-cdn.alpinelinux.org/alpine/v3.20/main
        keyring:
          - https://alpinelinux.org/keys/alpine-devel@lists.alpinelinux.org-4a6a0840.rsa.pub
        packages:
          - alpine-baselayout
          - busybox
      archs: [x86_64]
      entrypoint:
        command: /bin/sh -c
      cmd: /bin/sh
      environment:
        PATH: /usr/sbin:/usr/bin:/sbin:/bin
      work-dir: /
      """;

  private static final String SERVICE = """
      include: base.yaml
      accounts:
        groups:
          - groupname: app
            gid: 10001
            members: [app]
        users:
          - username: app
            uid: 10001
            gid: 10001
            shell: /sbin/nologin
            homedir: /home/app
        run-as: app
      paths:
        - type: directory
          path: /var/lib/app
          uid: 10001
          gid: 10001
          permissions: 0o750
        - {type: symlink, path: /app, source: /var/lib/app}
      files:
        - source: service/motd
          target: /etc/motd
      cmd: /bin/sh -c 'id; cat /etc/motd'
      annotations: {org.opencontainers.image.title: svc}
      labels: {a: b}
      volumes: [/data]
      ports: [8080, 53/udp]
      stop-signal: SIGTERM
      vcs-url: https://example.org/svc
      """;

  private static final String FLOW = """
      contents: {repositories: [./repo, '@edge ./edge'], keyring: [k.rsa.pub], packages: ['a>=1', '!b', c@edge]}
      archs: [amd64, arm64]
      entrypoint: {shell-fragment: 'exec app'}
      accounts: {users: [{username: u, uid: 1}], groups: [{groupname: g, gid: 2}]}
      """;

  private static final String[] YAML_WORDS = {"&a ", "*a", "<<: *a", "!!binary ", "!!str ", "!!int ", "!!float ",
      "!!map ", "!!set ", "!!omap ", "!!java.lang.Object ", "!local ", "{", "}", "[", "]", "? ", "---", "...",
      "%YAML 1.1", "%TAG ! tag:x,2000:", "\t", "- ", ": ", ":", "'", "\"", "|", ">-", "#", "~", "null", "0o777",
      "0x1F", ".inf", ".nan", "-1", "99999999999999999999", "1e400", "include: base.yaml", "include: [top.yaml]",
      "include: [missing.yaml]", "include: {a: b}", "include: service/motd", "files: {source: service/motd, target: /x}",
      "files: service/motd", "paths: {}", "paths: x", "accounts: {users: {}}", "accounts: {groups: {gid: 1}}",
      "accounts: []", "contents: []", "contents: x", "archs: {}", "environment: [a]", "ports: [65536]",
      "ports: ['99999/tcp']", "volumes: [{}]", "contents:", "packages:", "users:", "groups:", "paths:", "files:",
      "username: ", "uid: ", "gid: ", "type: ", "source: ", "target: ", "members: [a, b]", "\u0000", "\ufeff",
      "\u2028", "a: &x [*x]", "- &b [*b, *b, *b]"};

  @Test
  void profiles() throws Exception {
    prepare(tmp);
    List<byte[]> seeds = Stream.of(BASE, SERVICE, FLOW).map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();
    Fuzzer.of("profile", ApkimgException.class).run(seeds,
        (seed, r, corpus) -> r.nextInt(5) == 0 ? Mutations.bytes(seed, r, corpus)
            : Mutations.text(seed, r, corpus, YAML_WORDS),
        input -> load(tmp, input));
  }

  @BeforeAll
  static void jazzerSeeds() throws Exception {
    Fuzzer.seedJazzerCorpus(ProfileFuzzTest.class, "profilesCoverageGuided",
        Stream.of(BASE, SERVICE, FLOW).map(s -> s.getBytes(StandardCharsets.UTF_8)).toList());
  }

  @CoverageGuided
  void profilesCoverageGuided(byte[] input) throws Exception {
    Path dir = JazzerDir.DIR;
    Fuzzer.once(input, in -> load(dir, in), ApkimgException.class);
  }

  /** A folder for the Jazzer session: made once, as JUnit's lifecycle runs once for all inputs. */
  private static final class JazzerDir {
    static final Path DIR = make();

    private static Path make() {
      try {
        Path dir = Files.createTempDirectory("apkimg-profile-fuzz");
        prepare(dir);
        return dir;
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }

  /** What the seeds include and name: an included profile and a file to copy. */
  private static void prepare(Path dir) throws java.io.IOException {
    Files.writeString(dir.resolve("base.yaml"), BASE);
    Files.createDirectories(dir.resolve("service"));
    Files.writeString(dir.resolve("service/motd"), "hello\n");
  }

  /** Loads the input as {@code dir/top.yaml} and serializes it again, as a build does. */
  private static void load(Path dir, byte[] input) throws java.io.IOException {
    Path top = dir.resolve("top.yaml");
    Files.write(top, input);
    ImageProfile p = ProfileLoader.load(top);
    p.checksum(); // what a build records: the profile serialized again
  }

  // Inputs the fuzzer found: a tracked list written as a single empty map was one item to
  // Jackson (ACCEPT_SINGLE_VALUE_AS_ARRAY) but none to the code that locates items (an NPE).

  @Test
  void listWrittenAsAnEmptyMapIsCheckedAsOneItem() throws Exception {
    Path p = tmp.resolve("p.yaml");
    Files.writeString(p, "contents: {packages: [x]}\npaths: {}\n");
    assertThatThrownBy(() -> ProfileLoader.load(p)).isInstanceOf(ProfileException.class)
        .hasMessageStartingWith(p + ": paths[0]: paths: type must be one of");
    Files.writeString(p, "contents: {packages: [x]}\naccounts: {users: {}}\n");
    assertThatThrownBy(() -> ProfileLoader.load(p)).isInstanceOf(ProfileException.class)
        .hasMessageEndingWith(": accounts.users[0]: username is missing").hasMessageNotContaining("[0]: accounts.users[0]");
    Files.writeString(p, "contents: {packages: [x]}\nfiles: {}\n");
    assertThatThrownBy(() -> ProfileLoader.load(p)).isInstanceOf(ProfileException.class)
        .hasMessageContaining("files: each item needs a source");
  }
}
