package dev.apkimg.rootfs;

import dev.apkimg.ProgressThrottle;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.BitSet;

/**
 * Measures how far writing a root filesystem's layers has come, for {@link LayerWriter.Progress}:
 * which packages are written (or, layered by packages, are layers of their own) and how many bytes
 * of file content are in the layers so far; reported at most once per progress interval, and once
 * at the end with every package and the layers' whole file content.
 */
final class LayerMeter {
  /** Measures nothing. */
  static final LayerMeter NONE = new LayerMeter(null, 0);

  private final LayerWriter.Progress progress;
  private final int total;
  private final BitSet done = new BitSet();
  private final ProgressThrottle<Written> throttle = ProgressThrottle.forEvents();
  private long bytes;

  LayerMeter(LayerWriter.Progress progress, int total) {
    this.progress = progress;
    this.total = total;
  }

  /** Writing begins: nothing is in the layers yet. */
  void start() {
    if (progress != null) {
      throttle.now(new Written(0, 0), this::send);
    }
  }

  /** Package {@code index} (install order) is in the layers. */
  void packageDone(int index) {
    if (progress != null && !done.get(index)) {
      done.set(index);
      report();
    }
  }

  /** {@code n} more bytes of file content are in the layers. */
  void add(long n) {
    if (progress != null && n > 0) {
      bytes += n;
      report();
    }
  }

  /** {@code content}, counted as it is read. */
  InputStream counting(InputStream content) {
    if (progress == null || content == null) {
      return content;
    }
    return new FilterInputStream(content) {
      @Override
      public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
          add(1);
        }
        return b;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        add(n);
        return n;
      }
    };
  }

  /** The layers are written: every package is in them. */
  void finish() {
    if (progress != null) {
      done.set(0, total);
      throttle.last(new Written(total, bytes), this::send);
    }
  }

  /** The layer was taken whole from the cache: its {@code fileBytes} of file content count as written. */
  void reused(long fileBytes) {
    bytes = fileBytes;
    finish();
  }

  private void report() {
    throttle.maybe(new Written(done.cardinality(), bytes), this::send);
  }

  private void send(Written w) {
    progress.writing(w.packages(), total, w.bytes());
  }

  /** How far it has come: packages in the layers, bytes of file content. */
  private record Written(int packages, long bytes) {}
}
