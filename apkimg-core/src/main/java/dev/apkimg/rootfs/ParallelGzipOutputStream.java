package dev.apkimg.rootfs;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A gzip stream compressed on several threads, as pigz does: the input is cut into fixed-size
 * blocks, each deflated independently with the previous block's last 32 KiB as its dictionary
 * and ended with a sync flush, and the pieces are concatenated in order into one deflate stream.
 *
 * <p>Block boundaries depend only on the bytes, never on timing or the number of threads, so the
 * output is the same on every run and every machine. The header has no name and time 0, as
 * {@link java.util.zip.GZIPOutputStream} writes it.
 */
public final class ParallelGzipOutputStream extends OutputStream {
  static final int BLOCK_SIZE = 1 << 20;
  private static final int DICTIONARY = 32 * 1024;
  private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};

  private final OutputStream out;
  private final ExecutorService pool;
  private final int level;
  private final int maxInFlight;
  private final ArrayDeque<Future<Deflated>> pending = new ArrayDeque<>();
  /**
   * Blocks and output buffers already written, for reuse: at most {@code maxInFlight} of each
   * exist, so the stream allocates a few MiB once instead of two buffers per MiB of input
   * (which made the JVM grow its heap, and the process, far past what it holds).
   */
  private final ArrayDeque<byte[]> freeBlocks = new ArrayDeque<>();
  private final java.util.concurrent.ConcurrentLinkedQueue<byte[]> freeOutputs =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final CRC32 crc = new CRC32();
  private byte[] block = new byte[BLOCK_SIZE];
  private int fill;
  private byte[] previousTail = new byte[0];
  private long total;
  private boolean finished;

  /**
   * @param pool runs the compression; the caller owns it
   * @param parallelism how many blocks may be compressed at once (memory: about 2 MiB each)
   */
  public ParallelGzipOutputStream(OutputStream out, ExecutorService pool, int level, int parallelism)
      throws IOException {
    this.out = out;
    this.pool = pool;
    this.level = level;
    this.maxInFlight = Math.max(1, parallelism) * 2;
    out.write(HEADER);
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    if (finished) {
      throw new IOException("stream finished");
    }
    crc.update(b, off, len);
    total += len;
    while (len > 0) {
      int n = Math.min(len, BLOCK_SIZE - fill);
      System.arraycopy(b, off, block, fill, n);
      fill += n;
      off += n;
      len -= n;
      if (fill == BLOCK_SIZE) {
        submit(false);
      }
    }
  }

  private void submit(boolean last) throws IOException {
    byte[] data = block;
    byte[] dictionary = previousTail;
    int length = fill;
    previousTail = Arrays.copyOfRange(data, Math.max(0, length - DICTIONARY), length);
    pending.add(pool.submit(() -> deflate(data, length, dictionary, last)));
    byte[] reused = freeBlocks.poll();
    block = reused != null ? reused : new byte[BLOCK_SIZE];
    fill = 0;
    while (pending.size() >= maxInFlight) {
      drainOne();
    }
  }

  /** A compressed block: {@code length} bytes of {@code output}; {@code input} may be reused. */
  private record Deflated(byte[] input, byte[] output, int length) {}

  private Deflated deflate(byte[] data, int length, byte[] dictionary, boolean last) {
    Deflater deflater = new Deflater(level, true);
    try {
      if (dictionary.length > 0) {
        deflater.setDictionary(dictionary);
      }
      deflater.setInput(data, 0, length);
      if (last) {
        deflater.finish();
      }
      byte[] buf = freeOutputs.poll();
      if (buf == null || buf.length < length + length / 8 + 1024) {
        buf = new byte[BLOCK_SIZE + BLOCK_SIZE / 8 + 1024];
      }
      int n = 0;
      while (true) {
        n += deflater.deflate(buf, n, buf.length - n, last ? Deflater.NO_FLUSH : Deflater.SYNC_FLUSH);
        // zlib's rule: a sync flush is complete when it did not fill the buffer.
        boolean done = last ? deflater.finished() : n < buf.length;
        if (done) {
          return new Deflated(data, buf, n);
        }
        if (n == buf.length) {
          buf = Arrays.copyOf(buf, buf.length * 2);
        }
      }
    } finally {
      deflater.end();
    }
  }

  private void drainOne() throws IOException {
    Future<Deflated> f = pending.poll();
    try {
      Deflated d = f.get();
      out.write(d.output(), 0, d.length());
      if (d.input().length == BLOCK_SIZE) {
        freeBlocks.add(d.input());
      }
      if (d.output().length == BLOCK_SIZE + BLOCK_SIZE / 8 + 1024) {
        freeOutputs.add(d.output());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("compression interrupted");
    } catch (ExecutionException e) {
      throw new IOException("compression failed: " + e.getCause(), e.getCause());
    }
  }

  /** Compresses what is left and writes the trailer; does not close the underlying stream. */
  public void finish() throws IOException {
    if (finished) {
      return;
    }
    submit(true);
    while (!pending.isEmpty()) {
      drainOne();
    }
    long c = crc.getValue();
    byte[] trailer = new byte[8];
    for (int i = 0; i < 4; i++) {
      trailer[i] = (byte) (c >>> (8 * i));
      trailer[4 + i] = (byte) (total >>> (8 * i));
    }
    out.write(trailer);
    out.flush();
    finished = true;
  }

  @Override
  public void flush() throws IOException {
    out.flush();
  }

  @Override
  public void close() throws IOException {
    try {
      finish();
    } finally {
      pending.forEach(f -> f.cancel(true));
      out.close();
    }
  }
}
