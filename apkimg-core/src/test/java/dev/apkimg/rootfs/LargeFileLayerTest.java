package dev.apkimg.rootfs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.testing.BuiltApk;
import dev.apkimg.testing.RawDataTar;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file far larger than the heap goes through the layer writer (issue #9: "a 2.5 GiB file in a
 * small package runs out of memory"). The package is a few MB (zeros compress about 1000:1,
 * generated as a stream by {@link RawDataTar}); the layer writer runs in a child JVM with a
 * 64 MiB heap, so any whole-file buffer fails it, and the file is over 2 GiB, so an {@code int}
 * size or an array of the file cannot pass either. Regular files were already streamed before
 * issue #9 (the out-of-memory came from files that mutations read, now bounded: see
 * {@code UnsafePackageEntriesTest}); this keeps it so.
 *
 * <p>Run time 25-70 s depending on load (the 2 GiB are deflated once for the package, inflated
 * twice and deflated once by the layer writer); disk about 5 MB. {@code -Dapkimg.test.largeFileSize=N}
 * (surefire argLine) makes it smaller for a quick run.
 */
class LargeFileLayerTest {
  private static final long SIZE = Long.getLong("apkimg.test.largeFileSize", (1L << 31) + 1); // 2 GiB and one byte: past any int

  @TempDir Path tmp;

  @Test
  void aFileLargerThanTheHeapIsStreamedIntoTheLayer() throws Exception {
    TestPackage big = TestPackage.builder("big", "1.0-r0")
        .rawData(new RawDataTar().dir("usr").dir("usr/share").zeros("usr/share/big.img", SIZE)).build();
    BuiltApk apk = big.writeApk(tmp.resolve("repo").resolve(big.fileName()), Layers.KEY);
    Path index = Files.writeString(tmp.resolve("APKINDEX"), TestRepository.apkindexText(List.of(apk)));
    Path layer = tmp.resolve("out").resolve("layer.tar.gz");
    Path key = Layers.KEY.writePublicKey(tmp.resolve("keys"));

    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p = new ProcessBuilder(java.toString(), "-Xmx64m", "-XX:+ExitOnOutOfMemoryError",
        "-cp", System.getProperty("java.class.path"), SmallHeapLayerMain.class.getName(),
        index.toString(), tmp.resolve("repo").resolve(big.fileName()).toString(), layer.toString(), key.toString())
        .redirectErrorStream(true).start();
    boolean done = p.waitFor(5, TimeUnit.MINUTES);
    if (!done) {
      p.destroyForcibly();
    }
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(done).as("layer writer finished; output: %s", output).isTrue();
    assertThat(p.exitValue()).as("exit code of the 64 MiB layer writer; output: %s", output).isZero();
    assertThat(sizeInLayer(layer, "usr/share/big.img")).isEqualTo(SIZE);
  }

  /** The size recorded for {@code name}, reading the layer only up to that entry's header. */
  private static long sizeInLayer(Path layer, String name) throws IOException {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(layer));
         TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
        if (e.getName().equals(name)) {
          return e.getSize();
        }
      }
    }
    return -1;
  }
}
