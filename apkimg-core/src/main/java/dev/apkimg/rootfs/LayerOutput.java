package dev.apkimg.rootfs;

import dev.apkimg.tar.TarWriter;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.Deflater;

/**
 * The plumbing between the tar entries and the layer file: parallel gzip, the digests of the
 * compressed and uncompressed streams and their sizes, a temporary file moved into place only
 * when complete (nothing is left at the output on failure). Kept apart so the layer's content
 * is written without a thought for where and how it is stored.
 */
final class LayerOutput {
  /** Writes the layer's entries to a tar stream; returns how many entries it wrote. */
  @FunctionalInterface
  interface Entries {
    int writeTo(TarWriter tar) throws IOException;
  }

  private LayerOutput() {}

  /** Writes {@code entries} as a gzipped tar to {@code output}, atomically. */
  static LayerResult write(Path output, Entries entries, List<ScriptReport> reports) throws IOException {
    Path dir = output.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, ".layer", ".tmp");
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    ExecutorService compressors = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "apkimg-gzip");
      t.setDaemon(true);
      return t;
    });
    try {
      MessageDigest compressedDigest = ApkChecksums.sha256();
      MessageDigest tarDigest = ApkChecksums.sha256();
      CountingOutputStream compressedCount;
      CountingOutputStream tarCount;
      int count;
      try (OutputStream file = Files.newOutputStream(tmp);
           OutputStream buffered = new BufferedOutputStream(file, 1 << 16);
           DigestOutputStream hashed = new DigestOutputStream(buffered, compressedDigest)) {
        compressedCount = new CountingOutputStream(hashed);
        // gzip is the slow step for big images: compress blocks in parallel, same bytes every time.
        ParallelGzipOutputStream gzip = new ParallelGzipOutputStream(compressedCount, compressors,
            Deflater.DEFAULT_COMPRESSION, threads);
        tarCount = new CountingOutputStream(new DigestOutputStream(gzip, tarDigest));
        TarWriter tar = new TarWriter(tarCount);
        count = entries.writeTo(tar);
        tar.finish();
        gzip.finish();
      }
      Files.move(tmp, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return new LayerResult(output, "sha256:" + HexFormat.of().formatHex(compressedDigest.digest()),
          "sha256:" + HexFormat.of().formatHex(tarDigest.digest()), compressedCount.count, tarCount.count,
          count, reports);
    } finally {
      compressors.shutdownNow();
      Files.deleteIfExists(tmp);
    }
  }

  private static final class CountingOutputStream extends OutputStream {
    private final OutputStream out;
    long count;

    CountingOutputStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }

    @Override
    public void close() throws IOException {
      out.close();
    }
  }
}
