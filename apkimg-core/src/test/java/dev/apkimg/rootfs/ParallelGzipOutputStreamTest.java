package dev.apkimg.rootfs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Parallel gzip: any gzip reader gets the bytes back, and the output never depends on threads. */
class ParallelGzipOutputStreamTest {

  /** Text-like, compressible data with some noise, across several blocks. */
  private static byte[] data(int size) {
    Random r = new Random(size);
    byte[] b = new byte[size];
    String words = "apk alpine busybox musl layer image reproducible ";
    for (int i = 0; i < size; i++) {
      b[i] = r.nextInt(10) == 0 ? (byte) r.nextInt(256) : (byte) words.charAt(i % words.length());
    }
    return b;
  }

  private static byte[] compress(byte[] data, int threads, int chunk) throws IOException {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ParallelGzipOutputStream gz = new ParallelGzipOutputStream(out, pool, Deflater.DEFAULT_COMPRESSION, threads);
      for (int off = 0; off < data.length; off += chunk) {
        gz.write(data, off, Math.min(chunk, data.length - off));
      }
      gz.finish();
      return out.toByteArray();
    } finally {
      pool.shutdownNow();
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 1000, ParallelGzipOutputStream.BLOCK_SIZE, ParallelGzipOutputStream.BLOCK_SIZE + 1,
      3 * ParallelGzipOutputStream.BLOCK_SIZE + 12345})
  void roundTripsAndIsIndependentOfThreadsAndWriteSizes(int size) throws IOException {
    byte[] data = data(size);
    byte[] one = compress(data, 1, 8192);
    byte[] four = compress(data, 4, 77_777);
    assertThat(four).as("same bytes whatever the threads and write sizes").isEqualTo(one);
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(one))) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
    if (size > 100_000) {
      assertThat(one.length).as("it compresses").isLessThan(size / 2);
    }
  }
}
