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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ApkPackageReaderTest {

  static TestPackage hello() {
    return TestPackage.builder("hello", "1.2.3-r4")
        .description("hello test")
        .commit("deadbeef")
        .origin("hello-src")
        .builddate(1700000000L)
        .providerPriority(20)
        .replacesPriority(3)
        .depends("so:libc.musl-x86_64.so.1", "foo>=1.2", "!bar")
        .provides("cmd:hello=1.2.3-r4")
        .installIf("foo", "baz")
        .replaces("oldhello")
        .file("usr/bin/hello", "#!/bin/sh\necho hello\n".getBytes(StandardCharsets.UTF_8), 04755)
        .file("etc/hello.conf", "x=1\n")
        .symlink("usr/bin/hi", "hello")
        .preInstall("#!/bin/sh\necho pre\n")
        .postInstall("#!/bin/sh\necho post\n")
        .trigger("#!/bin/sh\necho trig\n", "/usr/share/hello/*", "/etc/hello.d")
        .build();
  }

  private static ApkPackage read(byte[] bytes, KeyLookup keys, Map<String, byte[]> data) throws IOException {
    return ApkPackageReader.read(new ByteArrayInputStream(bytes), keys, "hello-1.2.3-r4.apk",
        (entry, content) -> data.put(entry.name(), content.readAllBytes()));
  }

  @ParameterizedTest
  @EnumSource(SignatureType.class)
  void readsAVerifiedPackage(SignatureType type) throws IOException {
    TestPackage pkg = hello();
    BuiltApk apk = pkg.build(TestKeys.primary(), type);
    Map<String, byte[]> data = new LinkedHashMap<>();
    ApkPackage p = read(apk.bytes(), Keys.trusting(TestKeys.primary()), data);

    assertThat(p.signature()).isEqualTo(SignatureStatus.verified("apkimg-unit-1.rsa.pub"));
    assertThat(p.controlChecksum()).isEqualTo(pkg.q1()).isEqualTo(apk.q1());
    assertThat(p.info().checksum()).isEqualTo(pkg.q1());
    assertThat(p.dataHash()).isEqualTo(pkg.datahash());
    assertThat(p.triggers()).containsExactly("/usr/share/hello/*", "/etc/hello.d");
    assertThat(p.scripts()).extracting(InstallScript::type).containsExactly("pre-install", "post-install", "trigger");
    assertThat(new String(p.scripts().get(1).content(), StandardCharsets.UTF_8)).isEqualTo("#!/bin/sh\necho post\n");
    assertThat(p.scripts().get(0).modTime()).isEqualTo(1700000000L);

    assertThat(data).containsKeys("usr/bin/hello", "etc/hello.conf", "usr/bin/hi", "usr/bin/");
    assertThat(new String(data.get("etc/hello.conf"), StandardCharsets.UTF_8)).isEqualTo("x=1\n");
  }

  @Test
  void pkginfoFieldsBecomePackageInfo() throws IOException {
    TestPackage pkg = hello();
    PackageInfo i = read(pkg.build(TestKeys.primary()).bytes(), Keys.trusting(TestKeys.primary()),
        new LinkedHashMap<>()).info();
    assertThat(i.name()).isEqualTo("hello");
    assertThat(i.version()).isEqualTo("1.2.3-r4");
    assertThat(i.arch()).isEqualTo("x86_64");
    assertThat(i.installedSize()).isEqualTo(pkg.installedSize());
    assertThat(i.description()).isEqualTo("hello test");
    assertThat(i.url()).isEqualTo("https://apkimg.dev/test");
    assertThat(i.license()).isEqualTo("MIT");
    assertThat(i.origin()).isEqualTo("hello-src");
    assertThat(i.maintainer()).isEqualTo("apkimg tests <tests@apkimg.dev>");
    assertThat(i.buildTime()).isEqualTo(1700000000L);
    assertThat(i.commit()).isEqualTo("deadbeef");
    assertThat(i.providerPriority()).isEqualTo(20);
    assertThat(i.replacesPriority()).isEqualTo(3);
    assertThat(i.depends()).extracting(Dependency::toString)
        .containsExactly("so:libc.musl-x86_64.so.1", "foo>=1.2", "!bar");
    assertThat(i.provides()).extracting(Dependency::toString).containsExactly("cmd:hello=1.2.3-r4");
    assertThat(i.installIf()).extracting(Dependency::toString).containsExactly("foo", "baz");
    assertThat(i.replaces()).extracting(Dependency::toString).containsExactly("oldhello");
  }

  @Test
  void verifyingWithoutInflatingGivesTheSameDigestAndTheDataStreamsPlace(@TempDir Path tmp) throws Exception {
    new TestRepository(TestKeys.primary()).add(hello()).write(tmp);
    byte[] bytes = Files.readAllBytes(tmp.resolve("x86_64/hello-1.2.3-r4.apk"));
    ApkPackage p = ApkPackageReader.read(new java.io.ByteArrayInputStream(bytes), Keys.trusting(TestKeys.primary()),
        "hello.apk", ApkPackageReader.SKIP_DATA);
    assertThat(p.dataHash()).isEqualTo(hello().datahash());
    // The last dataSize bytes are the data stream: a gzip member that inflates to the package's tar.
    byte[] data = java.util.Arrays.copyOfRange(bytes, bytes.length - (int) p.dataSize(), bytes.length);
    assertThat(data[0]).isEqualTo((byte) 0x1f);
    assertThat(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(data)))
        .isEqualTo(p.dataHash());
  }

  @Test
  void tamperedDataIsRefusedEvenWhenOnlyVerified(@TempDir Path tmp) throws IOException {
    new TestRepository(TestKeys.primary()).add(hello()).tamper("hello", TestRepository.Tamper.DATA).write(tmp);
    byte[] bytes = Files.readAllBytes(tmp.resolve("x86_64/hello-1.2.3-r4.apk"));
    assertThatThrownBy(() -> ApkPackageReader.read(new java.io.ByteArrayInputStream(bytes),
        Keys.trusting(TestKeys.primary()), "hello.apk", ApkPackageReader.SKIP_DATA))
        .isInstanceOf(ApkFormatException.class).hasMessageContaining("datahash");
  }

  @Test
  void tamperedDataIsAnErrorNamingTheFile(@TempDir Path tmp) throws IOException {
    TestRepository.Written w = new TestRepository(TestKeys.primary()).add(hello())
        .tamper("hello", TestRepository.Tamper.DATA).write(tmp);
    byte[] bytes = Files.readAllBytes(tmp.resolve("x86_64/hello-1.2.3-r4.apk"));
    assertThat(bytes).isNotEqualTo(w.apk("x86_64", "hello").bytes());
    assertThatThrownBy(() -> read(bytes, Keys.trusting(TestKeys.primary()), new LinkedHashMap<>()))
        .isInstanceOf(ApkFormatException.class)
        .hasMessageContaining("hello-1.2.3-r4.apk")
        .hasMessageContaining("datahash");
  }

  @Test
  void badSignatureByATrustedKeyIsAnError(@TempDir Path tmp) throws IOException {
    new TestRepository(TestKeys.primary()).add(hello()).tamper("hello", TestRepository.Tamper.CONTROL).write(tmp);
    byte[] bytes = Files.readAllBytes(tmp.resolve("x86_64/hello-1.2.3-r4.apk"));
    assertThatThrownBy(() -> read(bytes, Keys.trusting(TestKeys.primary()), new LinkedHashMap<>()))
        .isInstanceOf(ApkFormatException.class)
        .hasMessageContaining("hello-1.2.3-r4.apk")
        .hasMessageContaining("apkimg-unit-1.rsa.pub");
  }

  @Test
  void signatureByAnotherKeyWithATrustedNameIsAnError() {
    // the keyring has a key under the name the signature gives, but it is a different key
    BuiltApk apk = hello().build(TestKeys.primary());
    KeyLookup impostor = name -> java.util.Optional.of(TestKeys.secondary().publicKey());
    assertThatThrownBy(() -> read(apk.bytes(), impostor, new LinkedHashMap<>()))
        .isInstanceOf(ApkFormatException.class).hasMessageContaining("does not match");
  }

  @Test
  void signatureByAnUnknownKeyIsReportedNotThrown() throws IOException {
    TestPackage pkg = hello();
    ApkPackage p = read(pkg.build(TestKeys.secondary()).bytes(), Keys.trusting(TestKeys.primary()),
        new LinkedHashMap<>());
    assertThat(p.signature()).isEqualTo(new SignatureStatus(Kind.UNTRUSTED_KEY, "apkimg-unit-2.rsa.pub"));
    // the index checksum can still vouch for it
    assertThat(p.controlChecksum()).isEqualTo(pkg.q1());
  }

  @Test
  void unsignedPackageHasTheSameIdentity() throws IOException {
    TestPackage pkg = hello();
    BuiltApk apk = pkg.build(TestKeys.primary());
    byte[] unsigned = concat(apk.controlMember(), apk.dataMember());
    Map<String, byte[]> data = new LinkedHashMap<>();
    ApkPackage p = read(unsigned, Keys.trusting(TestKeys.primary()), data);
    assertThat(p.signature().kind()).isEqualTo(Kind.UNSIGNED);
    assertThat(p.controlChecksum()).isEqualTo(pkg.q1());
    assertThat(p.scripts()).hasSize(3);
    assertThat(data).containsKey("usr/bin/hello");
  }

  @Test
  void missingDataStreamAndTrailingGarbageAreErrors() {
    BuiltApk apk = hello().build(TestKeys.primary());
    byte[] noData = concat(apk.signatureMember(), apk.controlMember());
    assertThatThrownBy(() -> read(noData, Keys.trusting(TestKeys.primary()), new LinkedHashMap<>()))
        .isInstanceOf(ApkFormatException.class).hasMessageContaining("hello-1.2.3-r4.apk has no data stream");
    byte[] extra = concat(apk.bytes(), apk.dataMember());
    assertThatThrownBy(() -> read(extra, Keys.trusting(TestKeys.primary()), new LinkedHashMap<>()))
        .isInstanceOf(ApkFormatException.class).hasMessageContaining("unexpected data");
    assertThatThrownBy(() -> read(new byte[0], Keys.trusting(TestKeys.primary()), new LinkedHashMap<>()))
        .isInstanceOf(ApkFormatException.class).hasMessageContaining("is empty");
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] r = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }
}
