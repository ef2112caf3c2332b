package dev.apkimg.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apkimg.ApkimgException;
import dev.apkimg.apk.ApkIndexReader;
import dev.apkimg.apk.KeyLookup;
import dev.apkimg.apk.PackageInfo;
import dev.apkimg.repo.Repository;
import dev.apkimg.repo.RepositoryClient;
import dev.apkimg.resolve.RepositoryPackage;
import dev.apkimg.testing.TestKey;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cache is outside input too: verified on every use, evicted and fetched again when it lies. */
class PackageFetcherTest {
  @TempDir
  Path tmp;

  private final List<String> warnings = Collections.synchronizedList(new ArrayList<>());
  private final PackageFetcher.Listener listener = new PackageFetcher.Listener() {
    @Override
    public void detail(String message) {}

    @Override
    public void warn(String message) {
      warnings.add(message);
    }
  };

  private static KeyLookup trusting(TestKey key) {
    return name -> name.equals(key.name()) ? Optional.of((PublicKey) key.publicKey()) : Optional.empty();
  }

  private static TestPackage app(String content) {
    return TestPackage.builder("app", "1.0-r0").arch("x86_64").file("usr/bin/app", content).build();
  }

  /** Writes the repository into {@code tmp/NAME} and returns its packages as the verified index offers them. */
  private List<RepositoryPackage> mirror(String name, TestRepository repo) throws IOException {
    Path root = tmp.resolve(name);
    TestRepository.Written w = repo.write(root);
    Repository r = Repository.parse(root.toString(), null);
    List<RepositoryPackage> out = new ArrayList<>();
    try (InputStream in = Files.newInputStream(w.index("x86_64"))) {
      for (PackageInfo p : ApkIndexReader.read(in, trusting(TestKeys.primary())).packages()) {
        out.add(new RepositoryPackage(p, r, 0));
      }
    }
    return out;
  }

  private PackageFetcher fetcher() {
    return new PackageFetcher(new RepositoryClient(), new PackageCache(tmp.resolve("cache")),
        trusting(TestKeys.primary()), 2);
  }

  private List<PackageFetcher.Fetched> fetch(List<RepositoryPackage> packages) {
    return fetcher().fetchVerified(packages.stream().map(PackageFetcher.Wanted::of).toList(), "x86_64", listener,
        p -> "not found");
  }

  @Test
  void cacheFileNamesComeFromTheChecksumNotFromIndexText() throws IOException {
    List<RepositoryPackage> pkgs = mirror("m", new TestRepository(TestKeys.primary()).add(app("a")));
    Path file = fetch(pkgs).get(0).file();
    String hex = java.util.HexFormat.of().formatHex(
        java.util.Base64.getDecoder().decode(pkgs.get(0).info().checksum().substring(2)));
    assertThat(tmp.resolve("cache").relativize(file).toString())
        .isEqualTo("packages/" + hex.substring(0, 2) + "/" + hex + ".apk");
    // Whatever a package calls itself, its cache path is the same digest-named file.
    PackageInfo evil = PackageInfo.pinned(pkgs.get(0).info().checksum(), "../../../x", "1.0/../..", "../y");
    assertThat(new PackageCache(tmp.resolve("cache")).path(evil)).isEqualTo(file);
  }

  @Test
  void theFilesSha256IsTakenInTheVerifyingPassWhetherDownloadedOrCachedOrFetchedAgain() throws Exception {
    List<RepositoryPackage> pkgs = mirror("m", new TestRepository(TestKeys.primary()).add(app("right")));
    String expected = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
        .digest(Files.readAllBytes(tmp.resolve("m/x86_64/app-1.0-r0.apk"))));
    PackageFetcher.Fetched downloaded = fetch(pkgs).get(0);
    assertThat(downloaded.fileSha256()).isEqualTo(expected);
    assertThat(fetch(pkgs).get(0).fileSha256()).as("from the cache").isEqualTo(expected);
    Files.write(downloaded.file(), app("wrong").build(TestKeys.primary()).bytes());
    assertThat(fetch(pkgs).get(0).fileSha256()).as("evicted and fetched again").isEqualTo(expected);
  }

  @Test
  void aCachedFileReplacedByAnotherSignedPackageIsEvictedAndFetchedAgain() throws IOException {
    List<RepositoryPackage> pkgs = mirror("m", new TestRepository(TestKeys.primary()).add(app("right")));
    Path file = fetch(pkgs).get(0).file();
    Files.write(file, app("wrong").build(TestKeys.primary()).bytes());

    PackageFetcher.Fetched again = fetch(pkgs).get(0);
    assertThat(again.read().controlChecksum()).isEqualTo(pkgs.get(0).info().checksum());
    assertThat(Files.readAllBytes(file)).isEqualTo(app("right").build(TestKeys.primary()).bytes());
    assertThat(warnings).singleElement().asString().contains("app-1.0-r0").contains(file.toString())
        .contains("is another package").contains("fetched it again");
  }

  @Test
  void aTruncatedCachedFileIsEvictedAndFetchedAgain() throws IOException {
    List<RepositoryPackage> pkgs = mirror("m", new TestRepository(TestKeys.primary()).add(app("right")));
    Path file = fetch(pkgs).get(0).file();
    byte[] whole = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(whole, whole.length - 100));

    fetch(pkgs);
    assertThat(Files.readAllBytes(file)).isEqualTo(whole);
    assertThat(warnings).singleElement().asString().contains("app-1.0-r0").contains(file.toString());
  }

  @Test
  void aCachedFileWhoseDataDiffersFromTheLockfilesPinIsEvicted() throws IOException {
    List<RepositoryPackage> pkgs = mirror("m", new TestRepository(TestKeys.primary()).add(app("right")));
    String pinned = fetch(pkgs).get(0).read().dataHash();
    PackageFetcher.Wanted wrongPin = new PackageFetcher.Wanted(pkgs.get(0), "0".repeat(64));
    assertThatThrownBy(() -> fetcher().fetchVerified(List.of(wrongPin), "x86_64", listener, p -> ""))
        .isInstanceOf(ApkimgException.class).hasMessageContaining("pinned data SHA-256")
        .hasMessageContaining("removed from the cache");
    assertThat(warnings).isEmpty();
    assertThat(fetcher().fetchVerified(List.of(new PackageFetcher.Wanted(pkgs.get(0), pinned)), "x86_64", listener,
        p -> "").get(0).read().dataHash()).isEqualTo(pinned);
  }

  @Test
  void whenTheRefetchFailsTooTheErrorNamesTheRemovedFile() throws IOException {
    List<RepositoryPackage> pkgs = mirror("m", new TestRepository(TestKeys.primary()).add(app("right")));
    Path file = fetch(pkgs).get(0).file();
    Files.write(file, new byte[] {0x1f, (byte) 0x8b, 8});
    Files.delete(tmp.resolve("m/x86_64/app-1.0-r0.apk"));

    assertThatThrownBy(() -> fetch(pkgs)).isInstanceOf(ApkimgException.class)
        .hasMessageContaining("not found").hasMessageContaining(file.toString())
        .hasMessageContaining("removed from the cache");
    assertThat(file).doesNotExist();
    assertThat(warnings).isEmpty();
  }

  @Test
  void aDownloadLargerThanTheIndexDeclaresIsCutOff() throws IOException {
    TestPackage app = app("right");
    long size = app.build(TestKeys.primary()).size();
    List<RepositoryPackage> pkgs = mirror("m", new TestRepository(TestKeys.primary()).add(app)
        .editIndex(text -> text.replace("S:" + size + "\n", "S:" + (size - 1) + "\n")));
    assertThat(pkgs.get(0).info().size()).isEqualTo(size - 1);
    assertThatThrownBy(() -> fetch(pkgs)).isInstanceOf(ApkimgException.class)
        .hasMessageContaining("app-1.0-r0.apk").hasMessageContaining("more than the " + (size - 1) + " bytes")
        .hasMessageContaining("S:");
    assertThat(cacheFiles()).isEmpty();
  }

  @Test
  void aWantedLimitIsKeptOverTheIndexSizeAndWordedAsItsSourceSays() throws IOException {
    TestPackage app = app("right");
    long size = app.build(TestKeys.primary()).size();
    List<RepositoryPackage> pkgs = mirror("m", new TestRepository(TestKeys.primary()).add(app));
    assertThat(pkgs.get(0).info().size()).as("the index's S:").isEqualTo(size);
    PackageFetcher.Wanted tight = new PackageFetcher.Wanted(pkgs.get(0), null,
        new PackageFetcher.DownloadLimit(size - 1, "that app.lock.json pins for it (size)"));
    assertThatThrownBy(() -> fetcher().fetchVerified(List.of(tight), "x86_64", listener, p -> ""))
        .isInstanceOf(ApkimgException.class)
        .hasMessageStartingWith("package app-1.0-r0 from file:").hasMessageEndingWith("/m/x86_64/app-1.0-r0.apk is"
            + " invalid: the mirror sent more than the " + (size - 1) + " bytes that app.lock.json pins for it (size)");
    assertThat(cacheFiles()).isEmpty();

    PackageFetcher.Wanted exact = new PackageFetcher.Wanted(pkgs.get(0), null,
        new PackageFetcher.DownloadLimit(size, "that app.lock.json pins for it (size)"));
    assertThat(Files.size(fetcher().fetchVerified(List.of(exact), "x86_64", listener, p -> "").get(0).file()))
        .isEqualTo(size);
  }

  @Test
  void aPackageForAnotherArchIsRefused() throws IOException {
    // The index says aarch64: refused before any download.
    List<RepositoryPackage> pkgs = mirror("a", new TestRepository(TestKeys.primary()).add(app("x"))
        .editIndex(text -> text.replace("A:x86_64\n", "A:aarch64\n")));
    assertThatThrownBy(() -> fetch(pkgs)).isInstanceOf(ApkimgException.class)
        .hasMessageContaining("app-1.0-r0").hasMessageContaining("aarch64").hasMessageContaining("x86_64")
        .hasMessageContaining("index A:").hasMessageContaining(tmp.resolve("a").toString());

    // The index says x86_64 but the package itself is built for aarch64.
    TestPackage arm = TestPackage.builder("app", "1.0-r0").arch("aarch64").file("usr/bin/app", "arm").build();
    List<RepositoryPackage> lying = mirrorMoved("b", new TestRepository(TestKeys.primary()).add(arm)
        .editIndex(text -> text.replace("A:aarch64\n", "A:x86_64\n")), "aarch64");
    assertThatThrownBy(() -> fetch(lying)).isInstanceOf(ApkimgException.class)
        .hasMessageContaining("app-1.0-r0").hasMessageContaining(".PKGINFO arch").hasMessageContaining("aarch64")
        .hasMessageContaining("x86_64");
  }

  @Test
  void noarchPackagesAreFine() throws IOException {
    TestPackage any = TestPackage.builder("data", "1.0-r0").arch("noarch").file("usr/share/data", "d").build();
    List<RepositoryPackage> pkgs = mirrorMoved("n", new TestRepository(TestKeys.primary()).add(any), "noarch");
    assertThat(fetch(pkgs).get(0).read().info().arch()).isEqualTo("noarch");
  }

  /** A repository written for {@code from}'s folder, moved to x86_64's (as a mirror that lies would). */
  private List<RepositoryPackage> mirrorMoved(String name, TestRepository repo, String from) throws IOException {
    Path root = tmp.resolve(name);
    repo.write(root);
    Files.move(root.resolve(from), root.resolve("x86_64"));
    Repository r = Repository.parse(root.toString(), null);
    try (InputStream in = Files.newInputStream(root.resolve("x86_64/APKINDEX.tar.gz"))) {
      return ApkIndexReader.read(in, trusting(TestKeys.primary())).packages().stream()
          .map(p -> new RepositoryPackage(p, r, 0)).toList();
    }
  }

  private List<Path> cacheFiles() throws IOException {
    if (!Files.exists(tmp.resolve("cache"))) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(tmp.resolve("cache"))) {
      return s.filter(Files::isRegularFile).toList();
    }
  }
}
