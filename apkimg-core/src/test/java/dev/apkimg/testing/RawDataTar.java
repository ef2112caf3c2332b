package dev.apkimg.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A package data tar written entry by entry exactly as given, for hostile packages: any name
 * (with {@code ..}, a leading {@code /}, NUL or newline), any type flag, any link target, any
 * content, in any order, none of which {@link TestPackage.Builder} allows. Names and targets that
 * do not fit a ustar header byte for byte go into PAX {@code path}/{@code linkpath} records, as
 * GNU tar writes them.
 *
 * <p>{@link #zeros} adds a file of any size without holding it: {@link #gzipMember} streams the
 * tar through the compressor, so a package with a multi-GiB file is a few MB in memory.
 * Use with {@link TestPackage.Builder#rawData}.
 */
public final class RawDataTar {
  private static final int BLOCK = 512;

  /** One entry: header fields, and content given as bytes or as a run of zeros. */
  private record Part(String name, char type, String link, byte[] content, long zeros, int mode, byte[] extraPax) {
    long size() {
      return content != null ? content.length : zeros;
    }
  }

  private final List<Part> parts = new ArrayList<>();
  private final ByteArrayOutputStream pendingPax = new ByteArrayOutputStream();
  private final long mtime = 1718000000L;

  public RawDataTar dir(String name) {
    return entry(name.endsWith("/") ? name : name + "/", '5', null, new byte[0]);
  }

  public RawDataTar file(String name, String content) {
    return entry(name, '0', null, content.getBytes(StandardCharsets.UTF_8));
  }

  public RawDataTar symlink(String name, String target) {
    return entry(name, '2', target, new byte[0]);
  }

  public RawDataTar hardlink(String name, String target) {
    return entry(name, '1', target, new byte[0]);
  }

  /** Any entry; {@code content.length} is the header's size whatever the type. */
  public RawDataTar entry(String name, char type, String link, byte[] content) {
    parts.add(new Part(name, type, link, content.clone(), 0, type == '5' ? 0755 : type == '2' ? 0777 : 0644,
        takePendingPax()));
    return this;
  }

  /** A regular file of {@code size} zero bytes, never held in memory. */
  public RawDataTar zeros(String name, long size) {
    parts.add(new Part(name, '0', null, null, size, 0644, takePendingPax()));
    return this;
  }

  /** Adds a PAX record ({@code size}, {@code uid}, ...) to the header of the next entry added. */
  public RawDataTar paxRecord(String key, String value) {
    pendingPax.writeBytes(TarBuilder.paxRecord(key, value));
    return this;
  }

  private byte[] takePendingPax() {
    byte[] b = pendingPax.toByteArray();
    pendingPax.reset();
    return b;
  }

  /**
   * The installed size abuild would declare ({@code du -sk} of the package folder on a 4 KiB-block
   * file system): 4096 for the root and each directory, each regular file rounded up to 4096.
   */
  public long installedSize() {
    long total = 4096;
    for (Part p : parts) {
      if (p.type() == '5') {
        total += 4096;
      } else if (p.type() == '0') {
        total += (p.size() + 4095) / 4096 * 4096;
      }
    }
    return total;
  }

  /** The gzipped tar (with end-of-archive blocks), compressed as it is generated. */
  public byte[] gzipMember() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GzipSink gz = new GzipSink(out)) {
      for (Part p : parts) {
        writeEntry(gz, p);
      }
      gz.write(new byte[2 * BLOCK]);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private void writeEntry(OutputStream out, Part p) throws IOException {
    byte[] name = p.name().getBytes(StandardCharsets.UTF_8);
    byte[] link = p.link() == null ? new byte[0] : p.link().getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream pax = new ByteArrayOutputStream();
    if (!fitsHeader(name)) {
      pax.writeBytes(TarBuilder.paxRecord("path", name));
      name = "pax-named".getBytes(StandardCharsets.US_ASCII);
    }
    if (!fitsHeader(link)) {
      pax.writeBytes(TarBuilder.paxRecord("linkpath", link));
      link = "pax-linked".getBytes(StandardCharsets.US_ASCII);
    }
    // abuild-tar --hash: SHA-1 of a file's content or a symlink's target (not for zeros(), which
    // would need the bytes twice; apk then warns and the layer writer hashes as it reads).
    if (p.type() == '0' && p.content() != null) {
      pax.writeBytes(TarBuilder.paxRecord("APK-TOOLS.checksum.SHA1",
          HexFormat.of().formatHex(TestPackage.digest("SHA-1", p.content()))));
    } else if (p.type() == '2' && p.link() != null) {
      pax.writeBytes(TarBuilder.paxRecord("APK-TOOLS.checksum.SHA1",
          HexFormat.of().formatHex(TestPackage.digest("SHA-1", p.link().getBytes(StandardCharsets.UTF_8)))));
    }
    pax.writeBytes(p.extraPax());
    if (pax.size() > 0) {
      byte[] records = pax.toByteArray();
      out.write(header("PaxHeaders/entry".getBytes(StandardCharsets.US_ASCII), 0644, records.length, 'x',
          new byte[0]));
      out.write(records);
      out.write(new byte[padding(records.length)]);
    }
    out.write(header(name, p.mode(), p.size(), p.type(), link));
    if (p.content() != null) {
      out.write(p.content());
    } else {
      byte[] zero = new byte[1 << 16];
      for (long left = p.zeros(); left > 0; left -= zero.length) {
        out.write(zero, 0, (int) Math.min(zero.length, left));
      }
    }
    out.write(new byte[padding(p.size())]);
  }

  private static boolean fitsHeader(byte[] b) {
    if (b.length > 100) {
      return false;
    }
    for (byte x : b) {
      if (x < 0x20 || x == 0x7f) { // control characters, and bytes >= 0x80 (negative)
        return false;
      }
    }
    return true;
  }

  private byte[] header(byte[] name, int mode, long size, char type, byte[] link) {
    byte[] h = new byte[BLOCK];
    System.arraycopy(name, 0, h, 0, name.length);
    octal(h, 100, 8, mode);
    octal(h, 108, 8, 0);
    octal(h, 116, 8, 0);
    octal(h, 124, 12, size);
    octal(h, 136, 12, mtime);
    h[156] = (byte) type;
    System.arraycopy(link, 0, h, 157, link.length);
    System.arraycopy("ustar\u000000".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 8);
    TarBuilder.checksum(h);
    return h;
  }

  private static void octal(byte[] h, int off, int len, long value) {
    String s = Long.toOctalString(value);
    byte[] digits = ("0".repeat(len - 1 - s.length()) + s).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(digits, 0, h, off, len - 1);
  }

  private static int padding(long size) {
    return (int) ((BLOCK - size % BLOCK) % BLOCK);
  }

  /** gzip -9 as a stream (header with no name and time 0), so input is never held whole. */
  private static final class GzipSink extends OutputStream {
    private final OutputStream out;
    private final Deflater deflater = new Deflater(9, true);
    private final CRC32 crc = new CRC32();
    private final byte[] buf = new byte[1 << 16];
    private long total;

    GzipSink(OutputStream out) throws IOException {
      this.out = out;
      out.write(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 2, 3});
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      crc.update(b, off, len);
      total += len;
      deflater.setInput(b, off, len);
      while (!deflater.needsInput()) {
        out.write(buf, 0, deflater.deflate(buf));
      }
    }

    @Override
    public void close() throws IOException {
      deflater.finish();
      while (!deflater.finished()) {
        out.write(buf, 0, deflater.deflate(buf));
      }
      deflater.end();
      long c = crc.getValue();
      for (int i = 0; i < 4; i++) {
        out.write((int) (c >>> (8 * i)));
      }
      for (int i = 0; i < 4; i++) {
        out.write((int) (total >>> (8 * i)));
      }
    }
  }
}
