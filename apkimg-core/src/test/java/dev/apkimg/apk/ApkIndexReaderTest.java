package dev.apkimg.apk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apkimg.apk.SignatureStatus.Kind;
import dev.apkimg.testing.BuiltApk;
import dev.apkimg.testing.SignatureType;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ApkIndexReaderTest {
  @TempDir
  Path tmp;

  private static TestPackage alpha() {
    return TestPackage.builder("alpha", "1.0-r0").commit("abc123").providerPriority(10)
        .depends("beta>=2", "so:libc.musl-x86_64.so.1", "!gamma").provides("cmd:alpha=1.0-r0", "so:libalpha.so.1=1")
        .installIf("beta", "delta").file("usr/bin/alpha", "a").build();
  }

  private static TestPackage beta() {
    return TestPackage.builder("beta", "2.0-r1").file("usr/share/beta", "b").build();
  }

  private static ApkIndex read(Path index, KeyLookup keys) throws IOException {
    try (InputStream in = Files.newInputStream(index)) {
      return ApkIndexReader.read(in, keys);
    }
  }

  @ParameterizedTest
  @EnumSource(SignatureType.class)
  void signedIndexVerifies(SignatureType type) throws IOException {
    TestRepository.Written w = new TestRepository(TestKeys.primary()).add(alpha(), beta())
        .indexSignatureType(type).description("unit v1").write(tmp);
    ApkIndex index = read(w.index("x86_64"), Keys.trusting(TestKeys.secondary(), TestKeys.primary()));
    assertThat(index.signature()).isEqualTo(SignatureStatus.verified("apkimg-unit-1.rsa.pub"));
    assertThat(index.description()).isEqualTo("unit v1");
    assertThat(index.packages()).extracting(PackageInfo::nameVersion).containsExactly("alpha-1.0-r0", "beta-2.0-r1");
  }

  @Test
  void unsignedIndex() throws IOException {
    TestRepository.Written w = new TestRepository(TestKeys.primary()).add(beta())
        .indexSignature(TestRepository.IndexSignature.UNSIGNED).write(tmp);
    ApkIndex index = read(w.index("x86_64"), Keys.trusting(TestKeys.primary()));
    assertThat(index.signature().kind()).isEqualTo(Kind.UNSIGNED);
    assertThat(index.signature().describe()).isEqualTo("is not signed");
    // the content is still read, so a caller can say what it would have installed
    assertThat(index.packages()).extracting(PackageInfo::name).containsExactly("beta");
  }

  @Test
  void indexSignedByAnotherKeyNamesThatKey() throws IOException {
    TestRepository.Written w = new TestRepository(TestKeys.primary()).add(beta())
        .indexSignedBy(TestKeys.secondary()).write(tmp);
    ApkIndex index = read(w.index("x86_64"), Keys.trusting(TestKeys.primary()));
    assertThat(index.signature()).isEqualTo(new SignatureStatus(Kind.UNTRUSTED_KEY, "apkimg-unit-2.rsa.pub"));
    assertThat(index.signature().isVerified()).isFalse();
    assertThat(index.signature().describe()).contains("apkimg-unit-2.rsa.pub", "not in the keyring");
  }

  @ParameterizedTest
  @EnumSource(SignatureType.class)
  void corruptSignatureIsBad(SignatureType type) throws IOException {
    TestRepository.Written w = new TestRepository(TestKeys.primary()).add(beta()).indexSignatureType(type)
        .indexSignature(TestRepository.IndexSignature.CORRUPT).write(tmp);
    ApkIndex index = read(w.index("x86_64"), Keys.trusting(TestKeys.primary()));
    assertThat(index.signature()).isEqualTo(new SignatureStatus(Kind.BAD_SIGNATURE, "apkimg-unit-1.rsa.pub"));
  }

  @Test
  void indexContentChangedAfterSigningIsBad() throws IOException {
    TestRepository.Written w = new TestRepository(TestKeys.primary()).add(beta()).write(tmp);
    byte[] signed = Files.readAllBytes(w.index("x86_64"));
    // re-sign nothing, swap the content member for another repository's
    TestRepository.Written other = new TestRepository(TestKeys.primary()).add(alpha())
        .indexSignature(TestRepository.IndexSignature.UNSIGNED).write(tmp.resolve("other"));
    byte[] sigMember = dev.apkimg.testing.GzipMembers.split(signed).get(0).compressed();
    byte[] swapped = concat(sigMember, Files.readAllBytes(other.index("x86_64")));
    ApkIndex index = ApkIndexReader.read(new ByteArrayInputStream(swapped), Keys.trusting(TestKeys.primary()));
    assertThat(index.signature().kind()).isEqualTo(Kind.BAD_SIGNATURE);
  }

  @Test
  void everyIndexFieldIsParsed() throws IOException {
    TestRepository.Written w = new TestRepository(TestKeys.primary()).add(alpha(), beta()).write(tmp);
    BuiltApk apk = w.apk("x86_64", "alpha");
    PackageInfo p = read(w.index("x86_64"), Keys.trusting(TestKeys.primary())).packages().get(0);
    assertThat(p.checksum()).isEqualTo(apk.q1());
    assertThat(p.name()).isEqualTo("alpha");
    assertThat(p.version()).isEqualTo("1.0-r0");
    assertThat(p.arch()).isEqualTo("x86_64");
    assertThat(p.size()).isEqualTo(apk.size());
    assertThat(p.installedSize()).isEqualTo(apk.installedSize());
    assertThat(p.description()).isEqualTo("apkimg test package alpha");
    assertThat(p.url()).isEqualTo("https://apkimg.dev/test");
    assertThat(p.license()).isEqualTo("MIT");
    assertThat(p.origin()).isEqualTo("alpha");
    assertThat(p.maintainer()).isEqualTo("apkimg tests <tests@apkimg.dev>");
    assertThat(p.buildTime()).isEqualTo(1718000000L);
    assertThat(p.commit()).isEqualTo("abc123");
    assertThat(p.providerPriority()).isEqualTo(10);
    assertThat(p.depends()).extracting(Dependency::toString)
        .containsExactly("beta>=2", "so:libc.musl-x86_64.so.1", "!gamma");
    assertThat(p.provides()).extracting(Dependency::toString).containsExactly("cmd:alpha=1.0-r0", "so:libalpha.so.1=1");
    assertThat(p.installIf()).extracting(Dependency::toString).containsExactly("beta", "delta");
    assertThat(p.fileName()).isEqualTo("alpha-1.0-r0.apk");
  }

  @Test
  void parseReadsReplacesAndTheirPriorityAndIgnoresUnknownFields() throws IOException {
    String text = "C:Q1abc=\nP:a\nV:1-r0\nr:old other\nq:100\nZ:unknown field\nk:5\n\n\nP:b\nV:2\n";
    List<PackageInfo> pkgs = ApkIndexReader.parse(stream(text));
    assertThat(pkgs).hasSize(2);
    assertThat(pkgs.get(0).replaces()).extracting(Dependency::name).containsExactly("old", "other");
    assertThat(pkgs.get(0).replacesPriority()).isEqualTo(100);
    assertThat(pkgs.get(0).providerPriority()).isEqualTo(5);
    // a last entry without a trailing blank line still counts
    assertThat(pkgs.get(1).nameVersion()).isEqualTo("b-2");
    assertThat(pkgs.get(1).description()).isEmpty();
  }

  @Test
  void malformedLinesNameTheLine() {
    assertThatThrownBy(() -> ApkIndexReader.parse(stream("P:a\nV:1\nnonsense\n")))
        .isInstanceOf(IOException.class).hasMessageContaining("line 3").hasMessageContaining("nonsense");
    assertThatThrownBy(() -> ApkIndexReader.parse(stream("P:a\nV:1\nS:big\n")))
        .isInstanceOf(IOException.class).hasMessageContaining("line 3");
    assertThatThrownBy(() -> ApkIndexReader.parse(stream("P:a\nV:1\nD:x>=1.0bc\n")))
        .isInstanceOf(IOException.class).hasMessageContaining("line 3").hasMessageContaining("1.0bc");
    assertThatThrownBy(() -> ApkIndexReader.parse(stream("P:a\n\n")))
        .isInstanceOf(IOException.class).hasMessageContaining("line 2").hasMessageContaining("without name or version");
  }

  private static InputStream stream(String s) {
    return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] r = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }
}
