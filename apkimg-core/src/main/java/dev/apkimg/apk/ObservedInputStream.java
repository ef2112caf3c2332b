package dev.apkimg.apk;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Hands every byte that passes, skipped ones and those drained at close included, to a
 * {@link GzipMemberReader.ByteSink}: a digest of a whole stream (a layer's diff id) must see the
 * bytes a reader skips as well as those it reads.
 */
final class ObservedInputStream extends FilterInputStream {
  private final GzipMemberReader.ByteSink sink;
  private final byte[] one = new byte[1];

  ObservedInputStream(InputStream in, GzipMemberReader.ByteSink sink) {
    super(in);
    this.sink = sink;
  }

  @Override
  public int read() throws IOException {
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = in.read(b, off, len);
    if (n > 0) {
      sink.update(b, off, n);
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    byte[] buf = new byte[(int) Math.min(n, 1 << 15)];
    long done = 0;
    while (done < n) {
      int r = read(buf, 0, (int) Math.min(buf.length, n - done));
      if (r < 0) {
        break;
      }
      done += r;
    }
    return done;
  }

  @Override
  public void close() throws IOException {
    byte[] buf = new byte[1 << 15];
    while (read(buf, 0, buf.length) >= 0) {
      // the rest counts too (a tar's padding after its end blocks)
    }
    in.close();
  }

  @Override
  public boolean markSupported() {
    return false;
  }
}
