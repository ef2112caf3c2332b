package dev.apkimg.apk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.apkimg.testing.EndlessGzip;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.time.Duration;
import java.util.zip.ZipException;
import org.junit.jupiter.api.Test;

/** Every stream from outside is bounded: gzip headers, empty deflate blocks, a package's signature and control. */
class StreamLimitsTest {
  private static final Duration QUICKLY = Duration.ofSeconds(60);

  /** A gzip header whose file-name field never ends. */
  private static InputStream endlessHeaderName() {
    byte[] header = {0x1f, (byte) 0x8b, 8, 8, 0, 0, 0, 0, 0, 3};
    return new SequenceInputStream(new ByteArrayInputStream(header), new InputStream() {
      @Override
      public int read() {
        return 'a';
      }
    });
  }

  /** A gzip member of empty stored deflate blocks (5 bytes each, no output), never finished. */
  private static InputStream endlessEmptyBlocks() {
    byte[] header = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
    byte[] emptyStoredBlock = {0, 0, 0, (byte) 0xff, (byte) 0xff};
    return new SequenceInputStream(new ByteArrayInputStream(header), new InputStream() {
      private int i;

      @Override
      public int read() {
        return emptyStoredBlock[i++ % 5] & 0xff;
      }
    });
  }

  @Test
  void anEndlessGzipHeaderFieldIsRefused() {
    assertTimeoutPreemptively(QUICKLY, () -> assertThatThrownBy(
        () -> new GzipMemberReader(endlessHeaderName()).nextMember())
        .isInstanceOf(ZipException.class).hasMessageContaining("file name longer than"));
  }

  @Test
  void aMemberThatInflatesToNothingForeverIsBoundedByItsCompressedLimit() {
    assertTimeoutPreemptively(QUICKLY, () -> assertThatThrownBy(() -> {
      GzipMemberReader r = new GzipMemberReader(endlessEmptyBlocks());
      r.limitCompressed(1 << 20, "the test stream");
      r.nextMember().read(new byte[10]);
    }).isInstanceOf(ApkFormatException.class).hasMessage("the test stream is larger than 1 MiB compressed (the limit)"));
  }

  @Test
  void anIndexOfEmptyDeflateBlocksIsRefused() {
    assertTimeoutPreemptively(QUICKLY, () -> assertThatThrownBy(
        () -> ApkIndexReader.read(endlessEmptyBlocks(), Keys.none()))
        .isInstanceOf(ApkFormatException.class).hasMessageContaining("compressed (the limit)"));
  }

  @Test
  void aPackageWithAnEndlessSignatureStreamIsRefused() {
    EndlessGzip endless = EndlessGzip.tarEntry(".SIGN.RSA.apkimg-unit-1.rsa.pub", "s");
    assertTimeoutPreemptively(QUICKLY, () -> assertThatThrownBy(
        () -> ApkPackageReader.read(endless, Keys.trusting(TestKeys.primary()), "x.apk", ApkPackageReader.SKIP_DATA))
        .isInstanceOf(ApkFormatException.class).hasMessageContaining("x.apk")
        .hasMessageContaining("signature stream is larger than 64 KiB"));
    assertThat(endless.served()).isLessThan(1 << 20);
  }

  @Test
  void aPackageWithAnEndlessControlStreamIsRefused() {
    // A real signature member, then a control stream whose .PKGINFO never ends.
    byte[] signature = TestPackage.builder("a", "1-r0").build().build(TestKeys.primary()).signatureMember();
    InputStream in = new SequenceInputStream(new ByteArrayInputStream(signature),
        EndlessGzip.tarEntry(".PKGINFO", "pkgdesc = x\n"));
    assertTimeoutPreemptively(QUICKLY, () -> assertThatThrownBy(
        () -> ApkPackageReader.read(in, Keys.trusting(TestKeys.primary()), "x.apk", ApkPackageReader.SKIP_DATA))
        .isInstanceOf(ApkFormatException.class).hasMessageContaining("control stream is larger than 16 MiB"));
  }

  @Test
  void anUnsignedPackageWithAnEndlessControlStreamIsRefused() {
    EndlessGzip endless = EndlessGzip.tarEntry(".PKGINFO", "pkgdesc = x\n");
    assertTimeoutPreemptively(QUICKLY, () -> assertThatThrownBy(
        () -> ApkPackageReader.read(endless, Keys.none(), "x.apk", ApkPackageReader.SKIP_DATA))
        .isInstanceOf(ApkFormatException.class).hasMessageContaining("larger than 16 MiB"));
  }

  @Test
  void aPackageWhosePkginfoNamesAPathIsRefused() {
    TestPackage evil = TestPackage.builder("../../evil", "1.0-r0").file("x", "x").build();
    assertThatThrownBy(() -> ApkPackageReader.read(new ByteArrayInputStream(evil.build(TestKeys.primary()).bytes()),
        Keys.trusting(TestKeys.primary()), "x.apk", ApkPackageReader.SKIP_DATA))
        .isInstanceOf(ApkFormatException.class).hasMessageContaining("x.apk").hasMessageContaining("P:")
        .hasMessageContaining("'../../evil'");
  }
}
