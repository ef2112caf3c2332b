package dev.apkimg.resolve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apkimg.apk.ApkIndexReader;
import dev.apkimg.apk.Dependency;
import dev.apkimg.apk.PackageInfo;
import dev.apkimg.repo.Repository;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ResolverTest {

  /** Repositories in profile order, each given as APKINDEX text. */
  private static List<RepositoryPackage> repos(String... indexes) {
    List<RepositoryPackage> out = new ArrayList<>();
    for (int i = 0; i < indexes.length; i++) {
      Repository repo = new Repository("repo" + i, URI.create("file:///repo" + i + "/"));
      try {
        for (PackageInfo p : ApkIndexReader.parse(new ByteArrayInputStream(indexes[i].getBytes(StandardCharsets.UTF_8)))) {
          out.add(new RepositoryPackage(p, repo, i));
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return out;
  }

  private static Resolution resolve(List<RepositoryPackage> available, String... world) {
    return new Resolver(available).resolve(Arrays.stream(world).map(Dependency::parse).collect(Collectors.toList()));
  }

  private static List<String> names(Resolution r) {
    return r.packages().stream().map(p -> p.info().nameVersion()).collect(Collectors.toList());
  }

  @Test
  void dependencyByNameInstallsDependenciesFirst() {
    List<RepositoryPackage> pkgs = repos("""
        P:app
        V:1.0-r0
        D:lib

        P:lib
        V:2.0-r0
        D:libc

        P:libc
        V:1.2.5-r0

        P:unrelated
        V:1
        """);
    assertThat(names(resolve(pkgs, "app"))).containsExactly("libc-1.2.5-r0", "lib-2.0-r0", "app-1.0-r0");
  }

  @Test
  void sharedDependencyIsInstalledOnce() {
    List<RepositoryPackage> pkgs = repos("""
        P:a
        V:1
        D:c

        P:b
        V:1
        D:c

        P:c
        V:1
        """);
    assertThat(names(resolve(pkgs, "a", "b"))).containsExactly("c-1", "a-1", "b-1");
  }

  @Test
  void dependencyCycleResolves() {
    List<RepositoryPackage> pkgs = repos("""
        P:a
        V:1
        D:b

        P:b
        V:1
        D:a
        """);
    assertThat(names(resolve(pkgs, "a"))).containsExactlyInAnyOrder("a-1", "b-1");
  }

  @Test
  void soAndCmdNamesResolveThroughProvides() {
    List<RepositoryPackage> pkgs = repos("""
        P:app
        V:1
        D:so:libc.musl-x86_64.so.1 cmd:sh /bin/sh

        P:musl
        V:1.2.5-r0
        p:so:libc.musl-x86_64.so.1=1

        P:busybox-binsh
        V:1.36.1-r29
        p:cmd:sh=1.36.1-r29 /bin/sh
        """);
    Resolution r = resolve(pkgs, "app");
    assertThat(names(r)).containsExactly("musl-1.2.5-r0", "busybox-binsh-1.36.1-r29", "app-1");
    assertThat(r.packages().get(0).repository().spec()).isEqualTo("repo0");
  }

  @Test
  void unversionedProvideNeverSatisfiesAVersionedConstraint() {
    String unversioned = """
        P:impl-a
        V:5
        p:virt
        """;
    // apk-tools 2.14 does not pick the only provider of a virtual name by itself unless it has a
    // provider_priority (ResolverOracleIT provides-unversioned-single); this test said otherwise.
    assertThatThrownBy(() -> resolve(repos(unversioned), "virt"))
        .isInstanceOf(ResolutionException.class)
        .hasMessageContaining("virt (virtual)")
        .hasMessageContaining("provided by: impl-a");
    assertThat(names(resolve(repos(unversioned + "k:1\n"), "virt"))).containsExactly("impl-a-5");
    assertThatThrownBy(() -> resolve(repos(unversioned), "virt>=1"))
        .isInstanceOf(ResolutionException.class)
        .hasMessageContaining("virt>=1");

    List<RepositoryPackage> both = repos(unversioned + """

        P:impl-b
        V:1
        p:virt=2.0
        """);
    assertThat(names(resolve(both, "virt>=1"))).containsExactly("impl-b-1");
    assertThat(names(resolve(both, "virt=2.0"))).containsExactly("impl-b-1");
    assertThatThrownBy(() -> resolve(both, "virt>2.0")).isInstanceOf(ResolutionException.class);
  }

  @Test
  void newestSatisfyingVersionWins() {
    List<RepositoryPackage> pkgs = repos("""
        P:a
        V:1.0-r0

        P:a
        V:3.0_rc1-r0

        P:a
        V:2.0-r1

        P:a
        V:3.0-r0

        P:a
        V:2.0-r0
        """);
    assertThat(names(resolve(pkgs, "a"))).containsExactly("a-3.0-r0");
    assertThat(names(resolve(pkgs, "a<3.0"))).containsExactly("a-3.0_rc1-r0");
    assertThat(names(resolve(pkgs, "a<3"))).containsExactly("a-2.0-r1"); // 3.0_rc1 is newer than 3
    assertThat(names(resolve(pkgs, "a~2"))).containsExactly("a-2.0-r1");
    assertThat(names(resolve(pkgs, "a=2.0-r0"))).containsExactly("a-2.0-r0");
  }

  @Test
  void newerVersionInALaterRepositoryWins() {
    List<RepositoryPackage> pkgs = repos("P:a\nV:1.0\n", "P:a\nV:1.1\n");
    Resolution r = resolve(pkgs, "a");
    assertThat(names(r)).containsExactly("a-1.1");
    assertThat(r.packages().get(0).repositoryOrder()).isEqualTo(1);
  }

  @Test
  void earlierRepositoryWinsOnEqualVersions() {
    List<RepositoryPackage> pkgs = repos("P:a\nV:1.0\nT:first\n", "P:a\nV:1.0\nT:second\n");
    RepositoryPackage chosen = resolve(pkgs, "a").packages().get(0);
    assertThat(chosen.repositoryOrder()).isZero();
    assertThat(chosen.info().description()).isEqualTo("first");
    // also when the later repository is listed first in the available list
    List<RepositoryPackage> reversed = new ArrayList<>(pkgs);
    java.util.Collections.reverse(reversed);
    assertThat(resolve(reversed, "a").packages().get(0).info().description()).isEqualTo("first");
  }

  @Test
  void providerPriorityChoosesAmongProviders() {
    List<RepositoryPackage> pkgs = repos("""
        P:low
        V:9
        k:10
        p:cmd:tool=1

        P:high
        V:1
        k:100
        p:cmd:tool=1

        P:none
        V:10
        p:cmd:tool=1
        """);
    assertThat(names(resolve(pkgs, "cmd:tool"))).containsExactly("high-1");
  }

  @Test
  void theHighestVersionUnderTheRequestedNameWinsEvenOverThePackageOfThatName() {
    // This test once expected tool-1: apk-tools compares the versions under the requested name
    // first, so a provide tool=5 beats the package tool-1 (ResolverOracleIT own-name-beats-provider).
    List<RepositoryPackage> pkgs = repos("""
        P:tool
        V:1

        P:other
        V:2
        k:100
        p:tool=5
        """);
    assertThat(names(resolve(pkgs, "tool"))).containsExactly("other-2");
    List<RepositoryPackage> older = repos("P:tool\nV:6\n\nP:other\nV:2\nk:100\np:tool=5\n");
    assertThat(names(resolve(older, "tool"))).containsExactly("tool-6");
  }

  private static final String INSTALL_IF = """
      P:a
      V:1

      P:docs
      V:1

      P:a-doc
      V:1
      i:a docs

      P:b
      V:1
      """;

  @Test
  void installIfAddsAPackageWhenAllConditionsAreInstalled() {
    assertThat(names(resolve(repos(INSTALL_IF), "a", "docs"))).contains("a-doc-1").hasSize(3);
    // conditions met through a dependency count as well
    List<RepositoryPackage> viaDep = repos(INSTALL_IF + "\nP:bundle\nV:1\nD:a docs\n");
    assertThat(names(resolve(viaDep, "bundle"))).contains("a-doc-1");
  }

  @Test
  void installIfDoesNothingWhenAConditionIsMissing() {
    assertThat(names(resolve(repos(INSTALL_IF), "a"))).containsExactly("a-1");
    assertThat(names(resolve(repos(INSTALL_IF), "docs", "b"))).containsExactlyInAnyOrder("docs-1", "b-1");
  }

  @Test
  void conflictInWorldNamesBothPackages() {
    List<RepositoryPackage> pkgs = repos("""
        P:a
        V:1
        D:b

        P:b
        V:1
        """);
    assertThatThrownBy(() -> resolve(pkgs, "a", "!b"))
        .isInstanceOf(ResolutionException.class)
        .hasMessageContaining("!b")
        .hasMessageContaining("a-1");
  }

  @Test
  void conflictWithAProviderInWorldNamesBoth() {
    List<RepositoryPackage> pkgs = repos("""
        P:a
        V:1
        D:cmd:sh

        P:busybox
        V:1
        p:cmd:sh=1
        """);
    assertThatThrownBy(() -> resolve(pkgs, "a", "!cmd:sh"))
        .isInstanceOf(ResolutionException.class)
        .hasMessageContaining("!cmd:sh")
        .hasMessageContaining("busybox-1")
        .hasMessageContaining("a-1");
  }

  @Test
  void conflictInDependsNamesBothPackages() {
    List<RepositoryPackage> pkgs = repos("""
        P:a
        V:1
        D:!c

        P:c
        V:2
        """);
    assertThatThrownBy(() -> resolve(pkgs, "a", "c"))
        .isInstanceOf(ResolutionException.class)
        .hasMessageContaining("a-1")
        .hasMessageContaining("c-2")
        .hasMessageContaining("!c");
    // a versioned conflict that the installed version does not match is no conflict
    List<RepositoryPackage> versioned = repos("P:a\nV:1\nD:!c<2\n\nP:c\nV:2\n");
    assertThat(names(resolve(versioned, "a", "c"))).containsExactlyInAnyOrder("a-1", "c-2");
  }

  @Test
  void packageNotFoundNamesItAndWhoRequiredIt() {
    List<RepositoryPackage> pkgs = repos("P:a\nV:1\nD:missing\n");
    assertThatThrownBy(() -> resolve(pkgs, "a"))
        .isInstanceOf(ResolutionException.class)
        .hasMessageContaining("'missing'")
        .hasMessageContaining("required by: a-1");
    assertThatThrownBy(() -> resolve(pkgs, "nosuch"))
        .isInstanceOf(ResolutionException.class)
        .hasMessageContaining("'nosuch'")
        .hasMessageContaining("required by: world");
  }

  @Test
  void unsatisfiableConstraintListsAvailableVersions() {
    List<RepositoryPackage> pkgs = repos("P:a\nV:1.0\n\nP:a\nV:2.0\n\nP:app\nV:1\nD:a>=3\n");
    assertThatThrownBy(() -> resolve(pkgs, "app"))
        .isInstanceOf(ResolutionException.class)
        .hasMessageContaining("a>=3")
        .hasMessageContaining("required by: app-1")
        .hasMessageContaining("available: 1.0, 2.0");
  }

  @Test
  void worldIsKeptAsGiven() {
    List<RepositoryPackage> pkgs = repos("P:a\nV:1\n");
    Resolution r = resolve(pkgs, "a>=1");
    assertThat(r.world()).extracting(Dependency::toString).containsExactly("a>=1");
  }
}
