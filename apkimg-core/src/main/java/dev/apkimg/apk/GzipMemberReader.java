package dev.apkimg.apk;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import java.util.zip.ZipException;

/**
 * Reads a stream of concatenated gzip members one member at a time.
 *
 * <p>apk files and APKINDEX archives are several gzip members back to back, and their signatures
 * and checksums cover the <em>compressed</em> bytes of one member. {@code java.util.zip} hides
 * member boundaries, so this reader inflates with a raw {@link Inflater} and feeds every
 * compressed byte of the current member (header, deflate data, trailer) to a digest.
 */
public final class GzipMemberReader implements AutoCloseable {
  private static final int BUFFER = 64 * 1024;

  private final InputStream in;
  private final byte[] buf = new byte[BUFFER];
  private int pos;
  private int limit;
  private final Inflater inflater = new Inflater(true);
  private ByteSink[] sinks = new ByteSink[0];
  private boolean memberOpen;
  private long compressedBytes;
  private long compressedLimit = Long.MAX_VALUE;
  private String limitName;

  /** A gzip header's optional name or comment field; real ones are a file name. */
  static final int MAX_HEADER_FIELD = 64 * 1024;

  /** Receives the compressed bytes of a member as they are read. */
  @FunctionalInterface
  public interface ByteSink {
    void update(byte[] b, int off, int len);
  }

  public GzipMemberReader(InputStream in) {
    this.in = in;
  }

  /** True if another member starts here; false at the clean end of the stream. */
  public boolean hasNextMember() throws IOException {
    if (memberOpen) {
      throw new IllegalStateException("current gzip member not fully read");
    }
    return fill();
  }

  /**
   * Starts the next member: the returned stream yields its decompressed bytes and ends at the
   * member's end. Every compressed byte of the member is fed to {@code sinks} (digests,
   * signature verifiers).
   */
  public InputStream nextMember(ByteSink... sinks) throws IOException {
    if (!hasNextMember()) {
      throw new EOFException("no further gzip stream");
    }
    this.sinks = sinks;
    this.compressedBytes = 0;
    readHeader();
    inflater.reset();
    memberOpen = true;
    return new MemberStream();
  }

  /**
   * Bounds the compressed size of each following member: reading past {@code limit} bytes fails
   * with an error naming {@code what} (e.g. "its index stream"). Bounds what a member that
   * inflates to nothing (empty deflate blocks) can make a caller consume.
   */
  public void limitCompressed(long limit, String what) {
    this.compressedLimit = limit;
    this.limitName = what;
  }

  /**
   * Feeds every remaining byte of the input, uninflated, to {@code sinks} and returns how many
   * there were (within the {@link #limitCompressed} bound). For the last member, whose compressed
   * bytes a digest vouches for: hashing them needs no inflating.
   */
  public long drainRaw(ByteSink... sinks) throws IOException {
    if (memberOpen) {
      throw new IllegalStateException("current gzip member not fully read");
    }
    this.sinks = sinks;
    this.compressedBytes = 0;
    while (fill()) {
      consumed(pos, limit - pos);
      pos = limit;
    }
    return compressedBytes;
  }

  /** Compressed size of the member read last (or being read). */
  public long compressedBytes() {
    return compressedBytes;
  }

  private boolean fill() throws IOException {
    if (pos < limit) {
      return true;
    }
    int n = in.read(buf, 0, buf.length);
    while (n == 0) {
      n = in.read(buf, 0, buf.length);
    }
    if (n < 0) {
      return false;
    }
    pos = 0;
    limit = n;
    return true;
  }

  private int readByte() throws IOException {
    if (!fill()) {
      throw new EOFException("truncated gzip stream");
    }
    int b = buf[pos] & 0xff;
    consumed(pos, 1);
    pos++;
    return b;
  }

  private void consumed(int off, int len) throws IOException {
    compressedBytes += len;
    if (compressedBytes > compressedLimit) {
      throw new ApkFormatException(limitName + " is larger than " + BoundedInputStream.describe(compressedLimit)
          + " compressed (the limit)");
    }
    for (ByteSink sink : sinks) {
      sink.update(buf, off, len);
    }
  }

  private void readHeader() throws IOException {
    if (readByte() != 0x1f || readByte() != 0x8b) {
      throw new ZipException("not in gzip format");
    }
    if (readByte() != 8) {
      throw new ZipException("unsupported gzip compression method");
    }
    int flags = readByte();
    for (int i = 0; i < 6; i++) {
      readByte(); // mtime, xfl, os
    }
    if ((flags & 4) != 0) {
      int xlen = readByte() | (readByte() << 8);
      for (int i = 0; i < xlen; i++) {
        readByte();
      }
    }
    if ((flags & 8) != 0) {
      skipZeroTerminated("file name");
    }
    if ((flags & 16) != 0) {
      skipZeroTerminated("comment");
    }
    if ((flags & 2) != 0) {
      readByte();
      readByte();
    }
  }

  private void skipZeroTerminated(String field) throws IOException {
    for (int n = 0; readByte() != 0; n++) {
      if (n >= MAX_HEADER_FIELD) {
        throw new ZipException("gzip header " + field + " longer than " + MAX_HEADER_FIELD + " bytes");
      }
    }
  }

  private final class MemberStream extends InputStream {
    private final CRC32 crc = new CRC32();
    private boolean done;

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (done) {
        return -1;
      }
      if (len == 0) {
        return 0;
      }
      try {
        while (true) {
          if (inflater.needsInput()) {
            if (!fill()) {
              throw new EOFException("truncated gzip stream");
            }
            inflater.setInput(buf, pos, limit - pos);
            // The bytes handed over are accounted for once the inflater reports what it left.
          }
          int before = inflater.getRemaining();
          int n = inflater.inflate(b, off, len);
          int used = before - inflater.getRemaining();
          consumed(pos, used);
          pos += used;
          if (n > 0) {
            crc.update(b, off, n);
            return n;
          }
          if (inflater.finished()) {
            finishMember();
            return -1;
          }
          if (inflater.needsDictionary()) {
            throw new ZipException("gzip stream needs a preset dictionary");
          }
        }
      } catch (DataFormatException e) {
        throw new ZipException("corrupt gzip stream: " + e.getMessage());
      }
    }

    private void finishMember() throws IOException {
      long expectedCrc = 0;
      for (int i = 0; i < 4; i++) {
        expectedCrc |= ((long) readByte()) << (8 * i);
      }
      long size = 0;
      for (int i = 0; i < 4; i++) {
        size |= ((long) readByte()) << (8 * i);
      }
      if (expectedCrc != crc.getValue() || size != (inflater.getBytesWritten() & 0xffffffffL)) {
        throw new ZipException("gzip checksum mismatch");
      }
      done = true;
      memberOpen = false;
    }

    @Override
    public void close() throws IOException {
      // Drain so that the next member starts at the right byte.
      byte[] skip = new byte[8192];
      while (read(skip, 0, skip.length) >= 0) {
        // discard
      }
    }
  }

  @Override
  public void close() throws IOException {
    inflater.end();
    in.close();
  }
}
