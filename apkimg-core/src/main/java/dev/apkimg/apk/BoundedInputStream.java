package dev.apkimg.apk;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.LongFunction;

/**
 * Passes at most {@code limit} bytes; the first byte past it ends the read with the error the
 * caller words (naming what was too large, and the limit). Unlike a plain limit, this does not
 * silently truncate: a stream that is too large fails, one that fits reads to its end.
 */
public final class BoundedInputStream extends FilterInputStream {
  private final LongFunction<IOException> tooLarge;
  private long limit;
  private long count;

  /** {@code tooLarge} receives the limit and returns the exception to throw. */
  public BoundedInputStream(InputStream in, long limit, LongFunction<IOException> tooLarge) {
    super(in);
    this.limit = limit;
    this.tooLarge = tooLarge;
  }

  /** Bytes read so far. */
  public long count() {
    return count;
  }

  /** Changes the limit (counted from the start of the stream). */
  public void limit(long newLimit) {
    this.limit = newLimit;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    // One byte more than allowed is asked for, so that "exactly at the limit" still reads to EOF.
    long room = limit - count + 1;
    int n = in.read(b, off, (int) Math.max(1, Math.min(len, room)));
    if (n > 0) {
      count += n;
      if (count > limit) {
        throw tooLarge.apply(limit);
      }
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    byte[] buf = new byte[(int) Math.min(Math.max(n, 0), 8192)];
    int r = read(buf, 0, buf.length);
    return Math.max(r, 0);
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  @Override
  public synchronized void mark(int readlimit) {}

  @Override
  public synchronized void reset() throws IOException {
    throw new IOException("mark/reset not supported");
  }

  /** A byte count for messages: "64 KiB", "256 MiB", "1234 bytes". */
  public static String describe(long bytes) {
    if (bytes >= 1L << 20 && bytes % (1L << 20) == 0) {
      return (bytes >> 20) + " MiB";
    }
    if (bytes >= 1L << 10 && bytes % (1L << 10) == 0) {
      return (bytes >> 10) + " KiB";
    }
    return bytes + " bytes";
  }
}
