package dev.apkimg.resolve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.apk.ApkIndex;
import dev.apkimg.apk.ApkIndexReader;
import dev.apkimg.apk.Dependency;
import dev.apkimg.apk.PackageInfo;
import dev.apkimg.repo.Keyring;
import dev.apkimg.repo.Repository;
import dev.apkimg.testing.Prerequisites;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Our resolver against the real apk-tools on Alpine's real 3.17 aarch64 index (5,004 packages).
 * apk's answers were recorded by {@code tools/regenerate-resolver-answers.sh} (apk-oracle, as
 * root) and are committed, so this runs without root; it needs only the index from ../shared.
 */
class ResolverDifferentialIT {
  private static final String ANSWERS = "/resolver/v3.17-aarch64/answers.txt";
  private static Resolver resolver;

  @BeforeAll
  static void readIndex() throws IOException {
    Path fixtures = Prerequisites.requireSharedFixtures();
    Keyring keys = Keyring.of(List.of(fixtures.resolve("alpine-keys/aarch64").toString()), null, null, null);
    ApkIndex index;
    try (InputStream in = new BufferedInputStream(
        Files.newInputStream(fixtures.resolve("mirror/v3.17/main/aarch64/APKINDEX.tar.gz")))) {
      index = ApkIndexReader.read(in, keys);
    }
    assertThat(index.signature().isVerified()).isTrue();
    Repository repo = Repository.parse(fixtures.resolve("mirror/v3.17/main").toString(), null);
    List<RepositoryPackage> available = new ArrayList<>();
    for (PackageInfo p : index.packages()) {
      available.add(new RepositoryPackage(p, repo, 0));
    }
    resolver = new Resolver(available);
  }

  @TestFactory
  Stream<DynamicTest> agreesWithApkTools() throws IOException {
    List<Case> cases = readAnswers();
    assertThat(cases).hasSizeGreaterThanOrEqualTo(300);
    return cases.stream().map(c -> DynamicTest.dynamicTest(c.world(), () -> check(c)));
  }

  private static void check(Case c) {
    List<Dependency> world = Arrays.stream(c.world().trim().split("\\s+"))
        .map(Dependency::parse)
        .collect(Collectors.toList());
    if (c.apkFailed()) {
      // apk found no solution: ours must not find one either.
      assertThat(resolveOrNull(world)).as("apk-tools fails on this world:%n%s", String.join("\n", c.lines()))
          .isNull();
      return;
    }
    List<String> ours = resolver.resolve(world).packages().stream()
        .map(p -> p.info().name() + " " + p.info().version())
        .collect(Collectors.toList());
    assertThat(ours).as("install order for world '%s'", c.world()).containsExactlyElementsOf(c.lines());
  }

  private static Resolution resolveOrNull(List<Dependency> world) {
    try {
      return resolver.resolve(world);
    } catch (ResolutionException e) {
      return null;
    }
  }

  private record Case(String world, List<String> lines) {
    boolean apkFailed() {
      return lines.stream().anyMatch(l -> l.startsWith("ERROR"));
    }
  }

  private static List<Case> readAnswers() throws IOException {
    List<Case> cases = new ArrayList<>();
    try (InputStream in = ResolverDifferentialIT.class.getResourceAsStream(ANSWERS)) {
      assertThat(in).as(ANSWERS).isNotNull();
      String world = null;
      List<String> lines = new ArrayList<>();
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (line.startsWith("@ ")) {
          if (world != null) {
            cases.add(new Case(world, lines));
          }
          world = line.substring(2);
          lines = new ArrayList<>();
        } else if (!line.isBlank() && !line.startsWith("  ")) {
          lines.add(line);
        }
      }
      if (world != null) {
        cases.add(new Case(world, lines));
      }
    }
    return cases;
  }
}
