package dev.apkimg.rootfs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.apk.ApkPackage;
import dev.apkimg.apk.ApkPackageReader;
import dev.apkimg.testing.TestPackage;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What writing the layers reports: packages written of all, and bytes of file content that end
 * exactly at the file content of the layers written, for one layer (written, and taken from the
 * layer cache) and for layering by packages (each package's own layer counted as it is).
 */
class LayerWriterProgressTest {
  @TempDir Path tmp;

  record Report(int packages, int total, long bytes) {}

  private static TestPackage[] world() {
    byte[] big = new byte[1_500_000];
    new Random(14).nextBytes(big);
    return new TestPackage[] {
        TestPackage.builder("base", "1.0-r0").dir("etc").file("etc/base.conf", "a=1\n").build(),
        TestPackage.builder("big", "2.0-r0").depends("base").dir("usr").dir("usr/lib")
            .file("usr/lib/big.bin", big).hardlink("usr/lib/big-again.bin", "usr/lib/big.bin").build(),
        TestPackage.builder("app", "3.0-r0").depends("big").dir("usr").dir("usr/bin")
            .file("usr/bin/app", "#!/bin/sh\necho app\n".getBytes(StandardCharsets.UTF_8), 0755).build()};
  }

  private List<PackageSource> sources() throws IOException {
    List<PackageSource> out = new ArrayList<>();
    for (PackageSource s : Layers.sources(tmp, world())) {
      ApkPackage read;
      try (InputStream in = new BufferedInputStream(Files.newInputStream(s.file()))) {
        read = ApkPackageReader.read(in, Layers.KEYS, s.file().toString(), ApkPackageReader.SKIP_DATA);
      }
      out.add(new PackageSource(s.info(), s.file(), read));
    }
    return out;
  }

  private static RootfsSpec spec() {
    return new RootfsSpec("x86_64", List.of("app"), List.of("/srv/repo"), Map.of(), 1_800_000_000L, List.of());
  }

  /** The bytes of file content of a gzipped tar (hardlinks carry none). */
  private static long fileBytes(InputStream gzipped) throws IOException {
    long total = 0;
    try (TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(gzipped))) {
      for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
        if (e.isFile() && !e.isLink()) {
          total += e.getSize();
        }
      }
    }
    return total;
  }

  private static long fileBytes(Path layer) throws IOException {
    return fileBytes(Files.newInputStream(layer));
  }

  private static void assertReports(List<Report> reports, long layerFileBytes) {
    assertThat(reports).hasSizeGreaterThanOrEqualTo(2);
    assertThat(reports.get(0)).as("it begins with nothing written").isEqualTo(new Report(0, 3, 0));
    Report last = reports.get(reports.size() - 1);
    assertThat(last).isEqualTo(new Report(3, 3, layerFileBytes));
    for (int i = 1; i < reports.size(); i++) {
      assertThat(reports.get(i).packages()).isGreaterThanOrEqualTo(reports.get(i - 1).packages());
      assertThat(reports.get(i).bytes()).isGreaterThanOrEqualTo(reports.get(i - 1).bytes());
      assertThat(reports.get(i)).as("no report twice").isNotEqualTo(reports.get(i - 1));
    }
  }

  @Test
  void oneLayerEndsWithEveryPackageAndItsWholeFileContentWrittenOrTakenFromTheCache() throws IOException {
    List<PackageSource> sources = sources();
    Path cache = tmp.resolve("cache");
    List<Report> reports = new ArrayList<>();
    LayerResult layer = new LayerWriter(Layers.KEYS, cache)
        .reportingTo((p, t, b) -> reports.add(new Report(p, t, b)))
        .write(sources, spec(), tmp.resolve("layer.tar.gz"));
    long content = fileBytes(layer.file());
    assertThat(content).isGreaterThan(1_500_000);
    assertReports(reports, content);

    List<Report> again = new ArrayList<>();
    LayerResult reused = new LayerWriter(Layers.KEYS, cache)
        .reportingTo((p, t, b) -> again.add(new Report(p, t, b)))
        .write(sources, spec(), tmp.resolve("again.tar.gz"));
    assertThat(reused.diffId()).isEqualTo(layer.diffId());
    assertThat(again).containsExactly(new Report(0, 3, 0), new Report(3, 3, content));
  }

  @Test
  void layeringByPackagesEndsWithTheFileContentOfEveryLayerThePackagesOwnLayersIncluded() throws IOException {
    List<PackageSource> sources = sources();
    List<Report> reports = new ArrayList<>();
    PackageLayers layers = new LayerWriter(Layers.KEYS, tmp.resolve("cache"))
        .reportingTo((p, t, b) -> reports.add(new Report(p, t, b)))
        .writeLayers(sources, spec(), 1, tmp.resolve("layers"));
    assertThat(layers.packages()).hasSize(1);
    assertThat(layers.shared()).isNotNull();
    long content = fileBytes(layers.shared().file()) + fileBytes(layers.top().file());
    for (PackageDataLayer own : layers.packages()) {
      FileChannel ch = FileChannel.open(own.file());
      ch.position(own.offset());
      content += fileBytes(Channels.newInputStream(ch));
    }
    assertThat(content).isGreaterThan(1_500_000);
    assertReports(reports, content);
  }
}
