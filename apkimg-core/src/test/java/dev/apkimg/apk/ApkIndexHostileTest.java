package dev.apkimg.apk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.apkimg.testing.EndlessGzip;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Indexes from a hostile mirror: names that would become paths, and streams without end. */
class ApkIndexHostileTest {
  private static final Duration QUICKLY = Duration.ofSeconds(60);

  @TempDir
  Path tmp;

  private static TestPackage busybox() {
    return TestPackage.builder("busybox", "1.0-r0").arch("x86_64").file("bin/busybox", "bb").build();
  }

  private ApkIndex read(TestRepository repo) throws IOException {
    TestRepository.Written w = repo.write(tmp);
    try (InputStream in = Files.newInputStream(w.index("x86_64"))) {
      return ApkIndexReader.read(in, Keys.trusting(TestKeys.primary()));
    }
  }

  @ParameterizedTest
  @CsvSource({
      "P:busybox, P:../../../x, P:",
      "P:busybox, P:bin/x, P:",
      "V:1.0-r0, V:1.0-r0/../../../x, V:",
      "V:1.0-r0, V:.., V:",
      "A:x86_64, A:../x, A:",
      "A:x86_64, A:x86_64/.., A:"})
  void aSignedIndexWhoseNamesWouldBePathsIsRefusedNamingTheField(String from, String to, String field) {
    TestRepository repo = new TestRepository(TestKeys.primary()).add(busybox())
        .editIndex(text -> text.replace(from + "\n", to + "\n"));
    assertThatThrownBy(() -> read(repo)).isInstanceOf(ApkFormatException.class)
        .hasMessageContaining(field).hasMessageContaining("'" + to.substring(2) + "'");
  }

  @Test
  void theSignatureIsJudgedBeforeTheIndexIsParsed() {
    // A tampered index whose text would not even parse: the bad signature is what is reported.
    TestRepository repo = new TestRepository(TestKeys.primary()).add(busybox())
        .indexSignature(TestRepository.IndexSignature.CORRUPT).editIndex(text -> "nonsense\n" + text);
    List<SignatureStatus> seen = new ArrayList<>();
    assertThatThrownBy(() -> {
      TestRepository.Written w = repo.write(tmp);
      try (InputStream in = Files.newInputStream(w.index("x86_64"))) {
        ApkIndexReader.read(in, Keys.trusting(TestKeys.primary()), status -> {
          seen.add(status);
          throw new ApkFormatException("refused: " + status.describe());
        });
      }
    }).hasMessageStartingWith("refused: has a signature by");
    assertThat(seen).extracting(SignatureStatus::kind).containsExactly(SignatureStatus.Kind.BAD_SIGNATURE);
  }

  @Test
  void anEndlessUnsignedIndexIsRefusedBeforeParsingWhenUnsignedIndexesAreNotAccepted() {
    EndlessGzip endless = EndlessGzip.tarEntry("APKINDEX", "P:a\nV:1-r0\n\n");
    assertTimeoutPreemptively(QUICKLY, () -> assertThatThrownBy(() -> ApkIndexReader.read(endless, Keys.none(),
        status -> {
          throw new ApkFormatException("refused: " + status.describe());
        })).hasMessage("refused: is not signed"));
    assertThat(endless.served()).isLessThan(1 << 20);
  }

  @Test
  void anEndlessUnsignedIndexIsRefusedAtTheSizeLimitEvenWhenAccepted() {
    // One description line after another: parsing holds nothing, so only the limit can stop it.
    EndlessGzip endless = EndlessGzip.tarEntry("APKINDEX", "T:" + "x".repeat(200) + "\n");
    assertTimeoutPreemptively(QUICKLY, () -> assertThatThrownBy(() -> ApkIndexReader.read(endless, Keys.none()))
        .isInstanceOf(ApkFormatException.class).hasMessageContaining("larger than 256 MiB"));
  }

  @Test
  void anEndlessLineIsRefused() {
    EndlessGzip endless = EndlessGzip.tarEntry("APKINDEX", "x");
    assertTimeoutPreemptively(QUICKLY, () -> assertThatThrownBy(() -> ApkIndexReader.read(endless, Keys.none()))
        .isInstanceOf(ApkFormatException.class).hasMessageContaining("line longer than 1 MiB"));
    assertThat(endless.served()).isLessThan(1 << 20);
  }

  @Test
  void anEndlessSignatureStreamIsRefused() {
    EndlessGzip endless = EndlessGzip.tarEntry(".SIGN.RSA.apkimg-unit-1.rsa.pub", "x");
    assertTimeoutPreemptively(QUICKLY, () -> assertThatThrownBy(
        () -> ApkIndexReader.read(endless, Keys.trusting(TestKeys.primary())))
        .isInstanceOf(ApkFormatException.class).hasMessageContaining("signature stream is larger than 64 KiB"));
    assertThat(endless.served()).isLessThan(1 << 20);
  }

  @Test
  void anEndlessSignedIndexStreamIsRefusedAtTheLimit() throws IOException {
    // A real signature member, then an index stream without end: bounded while it is verified.
    TestRepository.Written w = new TestRepository(TestKeys.primary()).add(busybox()).write(tmp);
    byte[] signature = dev.apkimg.testing.GzipMembers.split(Files.readAllBytes(w.index("x86_64"))).get(0).compressed();
    InputStream in = new SequenceInputStream(new java.io.ByteArrayInputStream(signature),
        EndlessGzip.tarEntry("APKINDEX", "T:" + "y".repeat(200) + "\n"));
    assertTimeoutPreemptively(QUICKLY, () -> assertThatThrownBy(
        () -> ApkIndexReader.read(in, Keys.trusting(TestKeys.primary())))
        .isInstanceOf(ApkFormatException.class).hasMessageContaining("larger than 256 MiB"));
  }

  @Test
  void aValidNoarchAndOrdinaryIndexStillReads() throws IOException {
    ApkIndex index = read(new TestRepository(TestKeys.primary()).add(busybox(),
        TestPackage.builder("lib.foo+bar_x", "2.3.4_rc1_git20240101-r12").arch("x86_64").build()));
    assertThat(index.packages()).extracting(PackageInfo::nameVersion)
        .containsExactly("busybox-1.0-r0", "lib.foo+bar_x-2.3.4_rc1_git20240101-r12");
  }
}
