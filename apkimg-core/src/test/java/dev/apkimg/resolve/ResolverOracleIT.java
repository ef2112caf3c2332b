package dev.apkimg.resolve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.apkimg.apk.ApkIndex;
import dev.apkimg.apk.ApkIndexReader;
import dev.apkimg.apk.Dependency;
import dev.apkimg.apk.PackageInfo;
import dev.apkimg.repo.Keyring;
import dev.apkimg.repo.Repository;
import dev.apkimg.testing.Prerequisites;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our resolver against the real apk-tools (../shared/tools/apk-oracle, root only) on small
 * synthetic repositories, one scenario per resolver semantic: version operators, provides and
 * virtual names, provider_priority, conflicts, install_if, replaces, several (tagged)
 * repositories, constraints that a greedy choice gets wrong, and unsatisfiable worlds. Both must
 * choose the same packages, versions and install order; when apk fails, ours must throw.
 *
 * <p>All scenarios go to apk in one chroot session ({@code apk-oracle shell}): the indexes and
 * the key travel inside the script as a base64 tar, because the chroot sees no host folder and a
 * scenario may need several repositories, some tagged ({@code @edge /r1} in a repositories file).
 */
class ResolverOracleIT {
  private static final String ARCH = "x86_64";
  private static final Pattern INSTALLING = Pattern.compile("^\\(\\d+/\\d+\\) Installing (\\S+) \\((.*)\\)$");

  /** One repository of a scenario; {@code tag} null for an untagged one. */
  record Repo(String tag, List<TestPackage> packages) {}

  /** {@code messageDiffers}: why our error names other facts than apk's (null: it names the same). */
  record Scenario(String name, List<String> world, List<Repo> repos, String messageDiffers) {
    Scenario withMessageDiffering(String why) {
      return new Scenario(name, world, repos, why);
    }

    @Override
    public String toString() {
      return name + ": " + String.join(" ", world);
    }
  }

  private static TestPackage.Builder pkg(String name, String version) {
    return TestPackage.builder(name, version);
  }

  private static Repo repo(TestPackage.Builder... pkgs) {
    return new Repo(null, Arrays.stream(pkgs).map(TestPackage.Builder::build).collect(Collectors.toList()));
  }

  private static Repo tagged(String tag, TestPackage.Builder... pkgs) {
    return new Repo(tag, repo(pkgs).packages());
  }

  private static Scenario scenario(String name, String world, Repo... repos) {
    return new Scenario(name, List.of(world.trim().split("\\s+")), List.of(repos), null);
  }

  /** Several versions of one package (given out of order, as a repository may list them). */
  private static Repo versions() {
    return repo(pkg("a", "1.0-r0"), pkg("a", "2.0-r1"), pkg("a", "1.5-r0"), pkg("a", "2.0-r0"),
        pkg("a", "2.1_rc1-r0"), pkg("a", "1.5.1-r2"));
  }

  private static final TestPackage PINNED = pkg("p", "1.5-r0").description("pinned").build();

  private static Repo pinRepo() {
    return new Repo(null, List.of(pkg("p", "1.0-r0").build(), PINNED, pkg("p", "2.0-r0").build()));
  }

  static List<Scenario> scenarios() {
    List<Scenario> s = new ArrayList<>();
    // ---- version constraints, several versions of one package in one repository
    s.add(scenario("version-newest", "a", versions()));
    s.add(scenario("version-equal", "a=1.5-r0", versions()));
    s.add(scenario("version-equal-without-release", "a=2.0", versions()));
    s.add(scenario("version-less", "a<2.0", versions()));
    s.add(scenario("version-less-rc", "a<2.1", versions()));
    s.add(scenario("version-greater", "a>1.0-r0", versions()));
    s.add(scenario("version-less-equal", "a<=2.0-r0", versions()));
    s.add(scenario("version-greater-equal", "a>=1.5.1", versions()));
    s.add(scenario("version-fuzzy", "a~1.5", versions()));
    s.add(scenario("version-fuzzy-equal", "a=~2.0", versions()));
    s.add(scenario("version-impossible", "a>3", versions()));
    s.add(scenario("version-in-depends", "app",
        repo(pkg("app", "1").depends("a<=1.5.1-r1"), pkg("a", "1.0-r0"), pkg("a", "1.5-r0"), pkg("a", "1.5.1-r2"))));
    s.add(scenario("checksum-pin-full", "p><" + PINNED.q1(), pinRepo()));
    s.add(scenario("checksum-pin-prefix", "p><" + PINNED.q1().substring(0, 12), pinRepo()));
    s.add(scenario("checksum-pin-unknown", "p><Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=", pinRepo()));

    // ---- provides, virtual names, provider_priority
    Repo virt = repo(pkg("impl-a", "5").provides("virt"), pkg("impl-b", "1").provides("virt=2.0"));
    s.add(scenario("provides-versioned-satisfies-versioned", "virt>=1", virt));
    s.add(scenario("provides-versioned-equal", "virt=2.0", virt));
    s.add(scenario("provides-versioned-too-old", "virt>2.0", virt));
    s.add(scenario("provides-unversioned-never-versioned", "virt>=1",
        repo(pkg("impl-a", "5").provides("virt"))));
    s.add(scenario("provides-unversioned-single", "virt", repo(pkg("impl-a", "5").provides("virt"))));
    s.add(scenario("provides-unversioned-two-no-priority", "virt",
        repo(pkg("impl-a", "5").provides("virt"), pkg("impl-c", "1").provides("virt"))));
    s.add(scenario("provides-mixed-unversioned-request", "virt", virt));
    s.add(scenario("provides-versioned-two-no-priority", "virt",
        repo(pkg("impl-a", "5").provides("virt=1.0"), pkg("impl-b", "1").provides("virt=2.0"))));
    s.add(scenario("provider-priority-unversioned", "app", repo(pkg("app", "1").depends("virt"),
        pkg("low", "9").provides("virt").providerPriority(10),
        pkg("high", "1").provides("virt").providerPriority(100),
        pkg("none", "10").provides("virt"))));
    s.add(scenario("provider-priority-versioned", "cmd:tool", repo(
        pkg("low", "9").provides("cmd:tool=9").providerPriority(10),
        pkg("high", "1").provides("cmd:tool=1").providerPriority(100),
        pkg("none", "10").provides("cmd:tool=10"))));
    s.add(scenario("provider-priority-vs-constraint", "cmd:tool>5", repo(
        pkg("low", "9").provides("cmd:tool=9").providerPriority(10),
        pkg("high", "1").provides("cmd:tool=1").providerPriority(100))));
    s.add(scenario("own-name-beats-provider", "tool", repo(pkg("tool", "1"),
        pkg("other", "2").provides("tool=5").providerPriority(100))));
    s.add(scenario("virtual-so-cmd-pc", "app", repo(
        pkg("app", "1").depends("so:libfoo.so.1", "cmd:foo", "pc:foo>=1.2"),
        pkg("libfoo", "1.3-r0").provides("so:libfoo.so.1=1.3"),
        pkg("foo-tools", "1.3-r0").depends("so:libfoo.so.1").provides("cmd:foo=1.3-r0"),
        pkg("foo-dev", "1.3-r0").depends("libfoo").provides("pc:foo=1.3"))));
    s.add(scenario("virtual-pc-version-picks-provider", "app", repo(
        pkg("app", "1").depends("pc:foo<2"),
        pkg("foo1-dev", "1.0-r0").provides("pc:foo=1.9"),
        pkg("foo2-dev", "2.0-r0").provides("pc:foo=2.1"))));
    s.add(scenario("virtual-so-two-providers", "app", repo(
        pkg("app", "1").depends("so:libbar.so.2"),
        pkg("bar-old", "2.0-r0").provides("so:libbar.so.2=2.0"),
        pkg("bar-new", "2.4-r0").provides("so:libbar.so.2=2.4"))));

    // ---- conflicts
    Repo ab = repo(pkg("a", "1").depends("b"), pkg("b", "1"), pkg("c", "2"));
    s.add(scenario("conflict-world-with-dependency", "a !b", ab));
    s.add(scenario("conflict-world-unrelated", "a !c", ab));
    // apk add keeps one world atom per name: the later one replaces the earlier.
    s.add(scenario("world-later-atom-replaces-earlier", "c !c", ab));
    s.add(scenario("world-later-constraint-replaces-earlier", "a>=2 a<1.5", versions()));
    s.add(scenario("conflict-in-depends", "a c", repo(pkg("a", "1").depends("!c"), pkg("c", "2"))));
    s.add(scenario("conflict-in-depends-versioned-unmatched", "a c",
        repo(pkg("a", "1").depends("!c<2"), pkg("c", "2"))));
    s.add(scenario("conflict-in-depends-picks-older", "x a",
        repo(pkg("x", "1").depends("!a>=2"), pkg("a", "1.0-r0"), pkg("a", "2.0-r0"))));
    s.add(scenario("conflict-world-picks-other-provider", "app !busybox", repo(
        pkg("app", "1").depends("cmd:sh"),
        pkg("busybox", "1.36").provides("cmd:sh=1.36").providerPriority(100),
        pkg("dash", "0.5").provides("cmd:sh=0.5").providerPriority(50))));
    s.add(scenario("conflict-world-versioned", "z !a>=2", repo(pkg("z", "1").depends("a"),
        pkg("a", "1.0-r0"), pkg("a", "2.0-r0"), pkg("a", "1.5-r0"))));
    s.add(scenario("conflict-in-depends-orders-before", "a c", repo(pkg("a", "1").depends("!c>=3"), pkg("c", "2"))));

    // ---- install_if
    Repo ii = repo(pkg("a", "1"), pkg("docs", "1"), pkg("lang", "1"), pkg("b", "1"),
        pkg("a-doc", "1").installIf("a", "docs"),
        pkg("a-doc-lang", "1").installIf("a-doc", "lang"),
        pkg("bundle", "1").depends("a", "docs"));
    s.add(scenario("install-if-met", "a docs", ii));
    s.add(scenario("install-if-not-met", "a b", ii));
    s.add(scenario("install-if-met-through-depends", "bundle", ii));
    s.add(scenario("install-if-chained", "a docs lang", ii));
    s.add(scenario("install-if-chain-stops", "a lang", ii));
    s.add(scenario("install-if-versioned-condition", "a docs", repo(pkg("a", "1"), pkg("docs", "1"),
        pkg("a-doc", "1").installIf("a>=2", "docs"))));
    s.add(scenario("install-if-with-dependency", "a docs", repo(pkg("a", "1"), pkg("docs", "1"), pkg("man", "1"),
        pkg("a-doc", "1").installIf("a", "docs").depends("man"))));
    s.add(scenario("install-if-conflicting-world", "a docs !a-doc", ii));

    // ---- replaces / replaces_priority: they arbitrate files at install, never the choice
    s.add(scenario("replaces-both-installed", "a b", repo(
        pkg("a", "1").file("usr/share/x", "a"),
        pkg("b", "1").replaces("a").replacesPriority(10).file("usr/share/x", "b"))));
    s.add(scenario("replaces-does-not-pull-or-drop", "b", repo(
        pkg("a", "2").file("usr/share/x", "a"),
        pkg("b", "1").replaces("a").file("usr/share/x", "b"))));

    // ---- several repositories
    s.add(scenario("repos-newer-in-later", "a", repo(pkg("a", "1.0-r0")), repo(pkg("a", "2.0-r0"))));
    s.add(scenario("repos-newer-in-earlier", "a", repo(pkg("a", "2.0-r0")), repo(pkg("a", "1.0-r0"))));
    s.add(scenario("repos-same-version-first-wins", "a",
        repo(pkg("a", "1.0-r0").depends("from-first"), pkg("from-first", "1")),
        repo(pkg("a", "1.0-r0").depends("from-second"), pkg("from-second", "1"))));
    s.add(scenario("repos-dependency-from-later", "app",
        repo(pkg("app", "1").depends("lib")), repo(pkg("lib", "3"))));
    Repo main = repo(pkg("a", "1.0-r0"), pkg("c", "1"));
    Repo edge = tagged("edge", pkg("a", "2.0-r0"), pkg("b", "1").depends("c>=2"), pkg("c", "2"),
        pkg("d", "1").depends("a"));
    s.add(scenario("tag-untagged-atom-ignores-tagged-repo", "a", main, edge));
    s.add(scenario("tag-pinned-atom-takes-tagged", "a@edge", main, edge));
    s.add(scenario("tag-only-in-tagged-repo", "b", main, edge).withMessageDiffering(
        "apk still takes the masked b-1 and reports its dependency c-2 as masked in @edge; we stop at b-1"));
    s.add(scenario("tag-pinned-dependency-from-tagged", "b@edge", main, edge));
    s.add(scenario("tag-pinned-dependency-of-tagged", "d@edge", main, edge));
    s.add(scenario("tag-pinned-older-than-untagged", "x@edge",
        repo(pkg("x", "2.0-r0")), tagged("edge", pkg("x", "1.0-r0"))));
    s.add(scenario("tag-unknown", "a@nosuch", main, edge));

    // ---- constraints that a greedy choice gets wrong
    Repo az = repo(pkg("a", "1.0-r0"), pkg("a", "2.0-r0"), pkg("z", "1").depends("a<2"));
    s.add(scenario("greedy-later-requirer", "a z", az));
    s.add(scenario("greedy-deep-requirer", "app", repo(pkg("app", "1").depends("lib", "b"),
        pkg("b", "1").depends("lib<2"), pkg("lib", "1.0-r0"), pkg("lib", "2.0-r0"))));
    s.add(scenario("greedy-dependency-changes", "app", repo(pkg("app", "1").depends("lib", "zz"),
        pkg("zz", "1").depends("lib<2"), pkg("lib", "1.0-r0").depends("old-helper"),
        pkg("lib", "2.0-r0").depends("new-helper"), pkg("old-helper", "1"), pkg("new-helper", "1"))));
    s.add(scenario("greedy-world-and-requirer-disagree", "a>=2 z", az));
    s.add(scenario("greedy-two-requirers-narrow", "a y z", repo(pkg("a", "1.0-r0"), pkg("a", "2.0-r0"),
        pkg("a", "3.0-r0"), pkg("y", "1").depends("a>1"), pkg("z", "1").depends("a<3"))));

    // ---- unsatisfiable worlds
    s.add(scenario("missing-package", "nosuch", ab));
    s.add(scenario("missing-dependency", "app", repo(pkg("app", "1").depends("missing"))));
    s.add(scenario("impossible-version-in-depends", "app", repo(pkg("app", "1").depends("a>=3"),
        pkg("a", "1.0"), pkg("a", "2.0"))));
    return s;
  }

  @TestFactory
  Stream<DynamicTest> agreesWithApkTools(@TempDir Path tmp) throws Exception {
    Prerequisites.requireRoot();
    Path fixtures = Prerequisites.requireSharedFixtures();
    Path oracle = fixtures.resolveSibling("tools").resolve("apk-oracle");
    Prerequisites.requireCommand(oracle.toString());

    List<Scenario> scenarios = scenarios();
    Path stage = tmp.resolve("stage");
    TestRepository keyRepo = new TestRepository(TestKeys.primary());
    Path keys = stage.resolve("keys");
    keyRepo.writeKeys(keys);
    for (int i = 0; i < scenarios.size(); i++) {
      writeScenario(stage.resolve("s/" + i), scenarios.get(i));
    }
    Map<Integer, List<String>> answers = askApk(oracle, stage, scenarios);
    Keyring keyring = Keyring.of(List.of(keys.toString()), null, null, null);

    List<DynamicTest> tests = new ArrayList<>();
    for (int i = 0; i < scenarios.size(); i++) {
      Scenario sc = scenarios.get(i);
      Path dir = stage.resolve("s/" + i);
      List<String> apk = answers.getOrDefault(i, List.of());
      tests.add(DynamicTest.dynamicTest(sc.toString(), () -> check(sc, dir, keyring, apk)));
    }
    return tests.stream();
  }

  private static void writeScenario(Path dir, Scenario sc) throws IOException {
    StringBuilder reposFile = new StringBuilder();
    for (int r = 0; r < sc.repos().size(); r++) {
      Repo repo = sc.repos().get(r);
      TestRepository t = new TestRepository(TestKeys.primary());
      repo.packages().forEach(t::add);
      Path root = dir.resolve("r" + r);
      t.write(root);
      // apk --simulate with --no-cache reads only the index; the packages stay on the host.
      try (Stream<Path> files = Files.list(root.resolve(ARCH))) {
        for (Path f : files.filter(f -> f.toString().endsWith(".apk")).collect(Collectors.toList())) {
          Files.delete(f);
        }
      }
      reposFile.append(repo.tag() == null ? "" : "@" + repo.tag() + " ").append(chrootPath(dir, r)).append('\n');
    }
    Files.writeString(dir.resolve("repos"), reposFile.toString());
  }

  private static String chrootPath(Path scenarioDir, int repo) {
    return "/stage/s/" + scenarioDir.getFileName() + "/r" + repo;
  }

  /** Runs every scenario through apk in one chroot; returns apk's lines per scenario. */
  private static Map<Integer, List<String>> askApk(Path oracle, Path stage, List<Scenario> scenarios)
      throws IOException, InterruptedException {
    Process tar = new ProcessBuilder("tar", "-C", stage.getParent().toString(), "-cf", "-", "stage")
        .redirectErrorStream(false).start();
    tar.getOutputStream().close();
    byte[] tarBytes = tar.getInputStream().readAllBytes();
    assertThat(tar.waitFor()).as("tar of the staged repositories").isZero();

    StringBuilder script = new StringBuilder();
    script.append("base64 -d <<'EOF' | tar -x -C /\n")
        .append(Base64.getMimeEncoder(76, new byte[] {'\n'}).encodeToString(tarBytes)).append("\nEOF\nmkdir -p /sim\n");
    String common = "--arch " + ARCH + " --no-cache --keys-dir /stage/keys";
    for (int i = 0; i < scenarios.size(); i++) {
      String repos = "--repositories-file /stage/s/" + i + "/repos";
      // As apk-oracle resolve: an empty database first, then the simulated add into it.
      script.append("echo '@@ ").append(i).append("'\n")
          .append("apk add -q --root /sim/").append(i).append(" --initdb ").append(common).append(' ').append(repos)
          .append(" >/dev/null 2>&1\n")
          .append("apk add --root /sim/").append(i).append(" --simulate ").append(common).append(' ').append(repos);
      for (String atom : scenarios.get(i).world()) {
        script.append(" '").append(atom).append('\'');
      }
      script.append(" 2>&1\n");
    }
    script.append("echo '@@ end'\n");

    Process p = new ProcessBuilder(oracle.toString(), "shell").redirectErrorStream(true).start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(script.toString().getBytes(StandardCharsets.UTF_8));
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("apk-oracle timed out:\n" + out);
    }
    assertThat(out).as("apk-oracle shell output").contains("@@ end");

    Map<Integer, List<String>> answers = new LinkedHashMap<>();
    List<String> current = null;
    for (String line : out.split("\n")) {
      if (line.startsWith("@@ ")) {
        String id = line.substring(3).trim();
        current = id.equals("end") ? null : answers.computeIfAbsent(Integer.parseInt(id), k -> new ArrayList<>());
        continue;
      }
      if (current == null) {
        continue;
      }
      current.add(line);
    }
    return answers;
  }

  /** apk's answer: {@code name version} per package in install order, or its ERROR and explanation lines. */
  private static List<String> parseAnswer(List<String> raw) {
    List<String> out = new ArrayList<>();
    for (String line : raw) {
      Matcher m = INSTALLING.matcher(line);
      if (m.matches()) {
        out.add(m.group(1) + " " + m.group(2));
      } else if (line.startsWith("ERROR") || line.startsWith("  ")) {
        out.add(line);
      }
    }
    return out;
  }

  private static final Pattern APK_SUBJECT = Pattern.compile("^  (\\S+?)( \\(.*\\))?:$");
  private static final Pattern APK_REQUIREMENT = Pattern.compile("\\S+\\[[^\\]]*\\]");

  /** From apk's explanation: the subjects ({@code c-2}, {@code missing}) and requirements ({@code a-1[!c]}). */
  private static List<String> apkFacts(List<String> apk) {
    List<String> facts = new ArrayList<>();
    for (String line : apk) {
      Matcher subject = APK_SUBJECT.matcher(line);
      if (subject.matches()) {
        facts.add(subject.group(1));
      }
      if (line.startsWith("    ")) {
        Matcher req = APK_REQUIREMENT.matcher(line);
        while (req.find()) {
          facts.add(req.group());
        }
      }
    }
    return facts;
  }

  /** apk names a package from a tagged repository {@code name@tag}: that also proves which repository. */
  private static String asApkPrintsIt(RepositoryPackage p) {
    String tag = p.repository().tag();
    return p.info().name() + (tag == null ? "" : "@" + tag) + " " + p.info().version();
  }

  private static void check(Scenario sc, Path dir, Keyring keyring, List<String> raw) throws IOException {
    List<String> apk = parseAnswer(raw);
    List<RepositoryPackage> available = new ArrayList<>();
    for (int r = 0; r < sc.repos().size(); r++) {
      String tag = sc.repos().get(r).tag();
      Repository repo = Repository.parse((tag == null ? "" : "@" + tag + " ") + dir.resolve("r" + r), null);
      ApkIndex index;
      try (InputStream in = new BufferedInputStream(Files.newInputStream(dir.resolve("r" + r + "/" + ARCH
          + "/APKINDEX.tar.gz")))) {
        index = ApkIndexReader.read(in, keyring);
      }
      assertThat(index.signature().isVerified()).as("index signature").isTrue();
      for (PackageInfo p : index.packages()) {
        available.add(new RepositoryPackage(p, repo, r));
      }
    }
    List<Dependency> world = sc.world().stream().map(Dependency::parse).collect(Collectors.toList());
    String apkSays = String.join("\n", apk);
    boolean apkFailed = apk.stream().anyMatch(l -> l.startsWith("ERROR"));
    // apk ends with "OK: ..." or an ERROR; an empty answer means the session broke.
    assertThat(String.join("\n", raw)).as("apk-tools answered scenario %s", sc).containsAnyOf("OK:", "ERROR");
    // An oracle that cannot open its database proves nothing about the resolver.
    assertThat(apkSays).as("apk-oracle setup").doesNotContain("Failed to open apk database")
        .doesNotContain("Unable to open root");

    Throwable thrown = catchThrowable(() -> new Resolver(available).resolve(world));
    if (apkFailed) {
      assertThat(thrown).as("apk-tools fails on %s:%n%s", sc, apkSays).isInstanceOf(ResolutionException.class);
      String ours = thrown.getMessage();
      System.out.println("[" + sc.name() + "] apk: " + apkSays.replace("\n", " | ") + "\n["
          + sc.name() + "] ours: " + ours);
      assertThat(ours).as("one line").doesNotContain("\n");
      if (sc.messageDiffers() == null) {
        // Our one line names the facts apk's lines name: the package (or name) it could not
        // select and every requirement "who[atom]" it breaks, satisfies or is required by.
        for (String fact : apkFacts(apk)) {
          assertThat(ours).as("our message names '%s' as apk does:%n%s", fact, apkSays).contains(fact);
        }
      }
      return;
    }
    assertThat(thrown).as("apk-tools resolves %s:%n%s", sc, apkSays).isNull();
    List<String> ours = new Resolver(available).resolve(world).packages().stream()
        .map(ResolverOracleIT::asApkPrintsIt)
        .collect(Collectors.toList());
    assertThat(ours).as("install order for %s", sc).containsExactlyElementsOf(apk);
  }
}
