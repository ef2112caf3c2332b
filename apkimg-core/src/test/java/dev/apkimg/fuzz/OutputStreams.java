package dev.apkimg.fuzz;

import java.io.OutputStream;

/** Where fuzz tests drain content they have no use for. */
final class OutputStreams {
  private OutputStreams() {}

  static final OutputStream NULL = OutputStream.nullOutputStream();
}
