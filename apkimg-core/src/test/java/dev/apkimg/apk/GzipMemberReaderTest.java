package dev.apkimg.apk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apkimg.testing.GzipMembers;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.ZipException;
import org.junit.jupiter.api.Test;

class GzipMemberReaderTest {

  /** Three members: small, empty, and large and incompressible enough to span many reads. */
  private static byte[][] contents() {
    byte[] big = new byte[300_000];
    new Random(42).nextBytes(big);
    for (int i = 0; i < big.length; i += 3) {
      big[i] = 'a'; // partly compressible, so inflate output and input sizes differ
    }
    return new byte[][] {"first member\n".getBytes(StandardCharsets.UTF_8), new byte[0], big};
  }

  private static byte[][] members(byte[][] contents) {
    byte[][] out = new byte[contents.length][];
    for (int i = 0; i < contents.length; i++) {
      out[i] = GzipMembers.gzip(contents[i]);
    }
    return out;
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  @Test
  void readsEachMemberAndFeedsExactlyItsCompressedBytes() throws IOException {
    readAll(new ByteArrayInputStream(concat(members(contents()))));
  }

  @Test
  void membersSplitAcrossTinyReadsAreReadTheSame() throws IOException {
    readAll(new Trickle(new ByteArrayInputStream(concat(members(contents())))));
  }

  private static void readAll(InputStream in) throws IOException {
    byte[][] contents = contents();
    byte[][] members = members(contents);
    GzipMemberReader r = new GzipMemberReader(in);
    for (int i = 0; i < contents.length; i++) {
      assertThat(r.hasNextMember()).isTrue();
      ByteArrayOutputStream seen = new ByteArrayOutputStream();
      InputStream m = r.nextMember((b, off, len) -> seen.write(b, off, len));
      assertThat(m.readAllBytes()).as("member %d", i).isEqualTo(contents[i]);
      m.close();
      // signatures and Q1 checksums cover exactly these bytes: header, deflate data, trailer
      assertThat(seen.toByteArray()).as("compressed bytes of member %d", i).isEqualTo(members[i]);
      assertThat(r.compressedBytes()).isEqualTo(members[i].length);
    }
    assertThat(r.hasNextMember()).isFalse();
  }

  @Test
  void theLastMemberCanBeHashedWithoutInflating() throws IOException {
    byte[][] members = members(contents());
    GzipMemberReader r = new GzipMemberReader(new Trickle(new ByteArrayInputStream(concat(members))));
    r.nextMember().close();
    java.io.ByteArrayOutputStream rest = new java.io.ByteArrayOutputStream();
    long n = r.drainRaw(rest::write);
    assertThat(rest.toByteArray()).isEqualTo(concat(members[1], members[2]));
    assertThat(n).isEqualTo(members[1].length + members[2].length);
    assertThat(r.hasNextMember()).isFalse();
  }

  @Test
  void hashingTheRestIsBoundedByTheCompressedLimit() throws IOException {
    GzipMemberReader r = new GzipMemberReader(new ByteArrayInputStream(concat(members(contents()))));
    r.limitCompressed(10, "its data stream");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> r.drainRaw((b, off, len) -> { }))
        .isInstanceOf(ApkFormatException.class).hasMessageContaining("its data stream is larger than");
  }

  @Test
  void closingAMemberEarlySkipsToTheNext() throws IOException {
    byte[][] contents = contents();
    GzipMemberReader r = new GzipMemberReader(new Trickle(new ByteArrayInputStream(concat(members(contents)))));
    InputStream first = r.nextMember();
    assertThat(first.read()).isEqualTo('f');
    first.close();
    r.nextMember().close();
    assertThat(r.nextMember().readAllBytes()).isEqualTo(contents[2]);
  }

  @Test
  void corruptCrcIsAnError() {
    byte[] member = GzipMembers.gzip("some content".getBytes(StandardCharsets.UTF_8));
    member[member.length - 8] ^= 0x01; // first byte of the CRC32 trailer
    GzipMemberReader r = new GzipMemberReader(new ByteArrayInputStream(member));
    assertThatThrownBy(() -> r.nextMember().readAllBytes())
        .isInstanceOf(ZipException.class)
        .hasMessageContaining("checksum");
  }

  @Test
  void wrongSizeInTrailerIsAnError() {
    byte[] member = GzipMembers.gzip("some content".getBytes(StandardCharsets.UTF_8));
    member[member.length - 4] ^= 0x01;
    GzipMemberReader r = new GzipMemberReader(new ByteArrayInputStream(member));
    assertThatThrownBy(() -> r.nextMember().readAllBytes()).isInstanceOf(ZipException.class);
  }

  @Test
  void truncatedMemberIsAnError() {
    byte[] member = GzipMembers.gzip(contents()[2]);
    byte[] cut = java.util.Arrays.copyOf(member, member.length / 2);
    GzipMemberReader r = new GzipMemberReader(new ByteArrayInputStream(cut));
    assertThatThrownBy(() -> r.nextMember().readAllBytes()).isInstanceOf(EOFException.class);
  }

  @Test
  void notGzipIsAnError() {
    GzipMemberReader r = new GzipMemberReader(new ByteArrayInputStream("plain text".getBytes(StandardCharsets.UTF_8)));
    assertThatThrownBy(r::nextMember).isInstanceOf(ZipException.class).hasMessageContaining("not in gzip format");
  }

  @Test
  void noFurtherMemberIsAnEofError() throws IOException {
    GzipMemberReader r = new GzipMemberReader(new ByteArrayInputStream(GzipMembers.gzip(new byte[] {1})));
    r.nextMember().close();
    assertThat(r.hasNextMember()).isFalse();
    assertThatThrownBy(r::nextMember).isInstanceOf(EOFException.class);
  }

  @Test
  void headerWithFileNameAndCommentIsSkipped() throws IOException {
    byte[] plain = GzipMembers.gzip("named".getBytes(StandardCharsets.UTF_8));
    // FNAME | FCOMMENT: insert "x.txt\0" and "c\0" after the 10-byte header
    byte[] header = java.util.Arrays.copyOf(plain, 10);
    header[3] = 8 | 16;
    byte[] member = concat(header, "x.txt\0c\0".getBytes(StandardCharsets.US_ASCII),
        java.util.Arrays.copyOfRange(plain, 10, plain.length));
    GzipMemberReader r = new GzipMemberReader(new Trickle(new ByteArrayInputStream(member)));
    assertThat(new String(r.nextMember().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("named");
  }

  /** Returns 1 to 7 bytes per read, so headers, deflate blocks and trailers straddle reads. */
  static final class Trickle extends FilterInputStream {
    private final Random random = new Random(7);

    Trickle(InputStream in) {
      super(in);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return super.read(b, off, Math.min(len, 1 + random.nextInt(7)));
    }
  }
}
