package dev.apkimg.rootfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apkimg.apk.ApkPackage;
import dev.apkimg.apk.ApkPackageReader;
import dev.apkimg.testing.TestPackage;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #11: a package's scan is kept in the cache by its data stream's digest, so that a warm
 * build plans its layers without reading the packages again, and gets the same bytes.
 */
class LayerWriterCacheTest {
  @TempDir Path tmp;

  private static TestPackage[] world() {
    return new TestPackage[] {
        TestPackage.builder("base", "1-r0").dir("etc").dir("usr").dir("usr/bin")
            .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n").file("etc/group", "root:x:0:root\n").build(),
        TestPackage.builder("tool", "1-r0").depends("base").file("usr/bin/tool", "tool one\n".getBytes(java.nio.charset.StandardCharsets.UTF_8), 0755)
            .file("usr/bin/a", "a\n").hardlink("usr/bin/b", "usr/bin/a").build(),
        TestPackage.builder("app", "1-r0").depends("tool").dir("srv", 0700).file("srv/app", "app\n").build()};
  }

  /** The sources as the fetch step gives them: each with what verifying it established. */
  private List<PackageSource> verified(Path dir) throws IOException {
    List<PackageSource> out = new ArrayList<>();
    for (PackageSource s : Layers.sources(dir, world())) {
      ApkPackage read;
      try (InputStream in = new BufferedInputStream(Files.newInputStream(s.file()))) {
        read = ApkPackageReader.read(in, Layers.KEYS, s.file().toString(), ApkPackageReader.SKIP_DATA);
      }
      out.add(new PackageSource(s.info(), s.file(), read));
    }
    return out;
  }

  private static RootfsSpec spec() {
    // Later than the packages' file times: an earlier one (clamped times) would put every path on top.
    return new RootfsSpec("x86_64", List.of("app"), List.of("/srv/repo"), Map.of(), 1_800_000_000L, List.of());
  }

  @Test
  void aSingleLayerFromCachedScansIsTheSameBytes() throws IOException {
    List<PackageSource> sources = verified(tmp);
    Path cache = tmp.resolve("cache");
    LayerResult cold = new LayerWriter(Layers.KEYS, cache).write(sources, spec(), tmp.resolve("cold.tar.gz"));
    try (var s = Files.list(cache.resolve("layers"))) {
      assertThat(s.count()).isEqualTo(3);
    }
    // Written afresh (not taken from the layer cache), from the cached scans.
    LayerResult warm = new LayerWriter(Layers.KEYS, cache).reusingLayers(false)
        .write(sources, spec(), tmp.resolve("warm.tar.gz"));
    assertThat(Files.readAllBytes(warm.file())).isEqualTo(Files.readAllBytes(cold.file()));
    assertThat(warm.diffId()).isEqualTo(cold.diffId());
  }

  @Test
  void aWarmLayeredBuildReadsNoPackageWhoseFilesItDoesNotNeed() throws IOException {
    List<PackageSource> sources = verified(tmp);
    Path cache = tmp.resolve("cache");
    PackageLayers cold = new LayerWriter(Layers.KEYS, cache).writeLayers(sources, spec(), 50, tmp.resolve("cold"));
    // Spoil each package's signature and control streams, keeping its data stream (the layer):
    // reading a package now fails, copying its data stream does not.
    for (PackageSource s : sources) {
      try (RandomAccessFile f = new RandomAccessFile(s.file().toFile(), "rw")) {
        f.write(new byte[64]);
      }
    }
    assertThatThrownBy(() -> new LayerWriter(Layers.KEYS, tmp.resolve("empty-cache"))
        .writeLayers(sources, spec(), 50, tmp.resolve("uncached")))
        .as("without the cached scans the spoiled packages are read, and fail").isInstanceOf(Exception.class);

    PackageLayers warm = new LayerWriter(Layers.KEYS, cache).writeLayers(sources, spec(), 50, tmp.resolve("warm"));
    assertThat(warm.packages()).extracting(PackageDataLayer::digest)
        .containsExactlyElementsOf(cold.packages().stream().map(PackageDataLayer::digest).toList());
    assertThat(warm.packages()).extracting(PackageDataLayer::diffId)
        .containsExactlyElementsOf(cold.packages().stream().map(PackageDataLayer::diffId).toList());
    assertThat(Files.readAllBytes(warm.top().file())).isEqualTo(Files.readAllBytes(cold.top().file()));
    assertThat(warm.entries()).isEqualTo(cold.entries());
  }

  @Test
  void aCachedScanThatIsNotWholeIsNotUsed() throws IOException {
    List<PackageSource> sources = verified(tmp);
    Path cache = tmp.resolve("cache");
    LayerResult cold = new LayerWriter(Layers.KEYS, cache).write(sources, spec(), tmp.resolve("cold.tar.gz"));
    try (var s = Files.list(cache.resolve("layers"))) {
      for (Path f : s.toList()) {
        byte[] b = Files.readAllBytes(f);
        b[b.length / 2] ^= 1; // one bit: the record's own digest no longer matches
        Files.write(f, b);
      }
    }
    for (PackageSource s : sources) {
      assertThat(ScanCache.read(cache, s.dataSha256())).isNull();
    }
    LayerResult again = new LayerWriter(Layers.KEYS, cache).reusingLayers(false)
        .write(sources, spec(), tmp.resolve("again.tar.gz"));
    assertThat(Files.readAllBytes(again.file())).isEqualTo(Files.readAllBytes(cold.file()));
    for (PackageSource s : sources) {
      assertThat(ScanCache.read(cache, s.dataSha256())).as("rewritten whole").isNotNull();
    }
  }

  @Test
  void aCachedScanIsCheckedAsAPackageIs() throws IOException {
    List<PackageSource> sources = verified(tmp);
    Path cache = tmp.resolve("cache");
    new LayerWriter(Layers.KEYS, cache).write(sources, spec(), tmp.resolve("cold.tar.gz"));
    // A record (well formed, its digest right) that names a path outside the image: refused as
    // the same entry in a package would be, never written.
    PackageSource tool = sources.get(1);
    ScanCache.Cached c = ScanCache.read(cache, tool.dataSha256());
    List<ScanCache.Entry> entries = new ArrayList<>(c.entries());
    ScanCache.Entry first = entries.get(entries.size() - 1);
    entries.add(new ScanCache.Entry(first.header().with("usr/bin/../../../etc/evil", first.header().mtime()),
        first.checksum(), first.sha256()));
    ScanCache.write(cache, tool.dataSha256(), new ScanCache.Cached(c.diffId(), c.tarSize(), entries, c.held()));
    assertThatThrownBy(() -> new LayerWriter(Layers.KEYS, cache).write(sources, spec(), tmp.resolve("evil.tar.gz")))
        .hasMessageContaining("tool-1-r0").hasMessageContaining("unsafe entry");
    assertThat(tmp.resolve("evil.tar.gz")).doesNotExist();
  }

  @Test
  void anUnchangedPlanTakesTheLayerFromTheCacheWithoutReadingThePackages() throws IOException {
    List<PackageSource> sources = verified(tmp);
    Path cache = tmp.resolve("cache");
    LayerResult first = new LayerWriter(Layers.KEYS, cache).write(sources, spec(), tmp.resolve("first.tar.gz"));
    for (PackageSource s : sources) {
      try (RandomAccessFile f = new RandomAccessFile(s.file().toFile(), "rw")) {
        f.write(new byte[64]); // reading any package now fails
      }
    }
    assertThatThrownBy(() -> new LayerWriter(Layers.KEYS, cache).reusingLayers(false)
        .write(sources, spec(), tmp.resolve("fresh.tar.gz"))).as("writing afresh reads the packages")
        .isInstanceOf(Exception.class);
    LayerResult again = new LayerWriter(Layers.KEYS, cache).write(sources, spec(), tmp.resolve("again.tar.gz"));
    assertThat(Files.readAllBytes(again.file())).isEqualTo(Files.readAllBytes(first.file()));
    assertThat(again.digest()).isEqualTo(first.digest());
    assertThat(again.diffId()).isEqualTo(first.diffId());
    assertThat(again.entries()).isEqualTo(first.entries());
    assertThat(again.uncompressedSize()).isEqualTo(first.uncompressedSize());
  }

  @Test
  void aChangedPlanOrADamagedCachedLayerIsWrittenAfresh() throws IOException {
    List<PackageSource> sources = verified(tmp);
    Path cache = tmp.resolve("cache");
    LayerResult first = new LayerWriter(Layers.KEYS, cache).write(sources, spec(), tmp.resolve("first.tar.gz"));
    RootfsSpec later = new RootfsSpec("x86_64", List.of("app"), List.of("/srv/repo"), Map.of(), 1_800_000_001L,
        List.of());
    LayerResult other = new LayerWriter(Layers.KEYS, cache).write(sources, later, tmp.resolve("other.tar.gz"));
    assertThat(other.digest()).as("one second later is another layer").isNotEqualTo(first.digest());
    // One flipped bit in every cached layer: none is used, and the layer comes out right.
    try (var s = Files.list(cache.resolve("rootfs"))) {
      for (Path f : s.filter(p -> p.toString().endsWith(".tar.gz")).toList()) {
        byte[] b = Files.readAllBytes(f);
        b[b.length / 2] ^= 1;
        Files.write(f, b);
      }
    }
    LayerResult again = new LayerWriter(Layers.KEYS, cache).write(sources, spec(), tmp.resolve("again.tar.gz"));
    assertThat(Files.readAllBytes(again.file())).isEqualTo(Files.readAllBytes(first.file()));
  }

  @Test
  void theCacheKeepsTheEightLayersUsedLast() throws IOException {
    List<PackageSource> sources = verified(tmp);
    Path cache = tmp.resolve("cache");
    for (int i = 0; i < 10; i++) {
      RootfsSpec s = new RootfsSpec("x86_64", List.of("app"), List.of("/srv/repo"), Map.of(), 1_800_000_000L + i,
          List.of());
      new LayerWriter(Layers.KEYS, cache).write(sources, s, tmp.resolve("l" + i + ".tar.gz"));
    }
    try (var s = Files.list(cache.resolve("rootfs"))) {
      assertThat(s.filter(p -> p.toString().endsWith(".tar.gz")).count()).isEqualTo(LayerReuse.KEEP);
    }
  }
}
