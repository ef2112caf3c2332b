package dev.apkimg.fuzz;

import dev.apkimg.apk.ApkPackageReader;
import dev.apkimg.testing.BuiltApk;
import dev.apkimg.testing.GzipMembers;
import dev.apkimg.testing.SignatureType;
import dev.apkimg.testing.TarBlocks;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link ApkPackageReader}: whole .apk files and their {@code .PKGINFO}. Either the package is
 * read or {@link IOException} (usually {@link dev.apkimg.apk.ApkFormatException}) is thrown.
 */
class ApkPackageFuzzTest {
  static final String[] PKGINFO_WORDS = {"pkgname = ", "pkgver = ", "pkgver = 1.0-r0", "arch = x86_64", "size = ",
      "builddate = ", "provider_priority = ", "replaces_priority = ", "depend = ", "depend = so:libc.so.1",
      "depend = !x", "depend = a>=", "provides = cmd:a=1", "install_if = a b", "replaces = x", "triggers = ",
      "triggers = /usr/*", "datahash = ", "datahash = 00", " = ", "=", "#", "# comment = x", "pkgname = a b",
      "pkgname = \u0000", "depend = a><Q1x", "depend = a~=1"};

  static TestPackage pkg() {
    return TestPackage.builder("fuzzpkg", "1.2.3-r4").depends("so:libc.musl-x86_64.so.1", "busybox>=1.36")
        .provides("cmd:fuzzpkg=1.2.3-r4").installIf("fuzz", "pkg").replaces("old").providerPriority(5)
        .replacesPriority(3).file("usr/bin/fuzzpkg", "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8), 0755)
        .symlink("usr/bin/fp", "fuzzpkg").postInstall("#!/bin/sh\necho hi\n").trigger("#!/bin/sh\n", "/usr/lib/*")
        .build();
  }

  /** Reads the package and every data entry's content, as the layer writer does. */
  static void read(byte[] apk) throws IOException {
    ApkPackageReader.read(new ByteArrayInputStream(apk), ApkIndexFuzzTest.TRUST_PRIMARY, "fuzz.apk",
        (entry, content) -> content.transferTo(OutputStreams.NULL));
  }

  @Test
  void apkFiles() throws Exception {
    TestPackage p = pkg();
    BuiltApk signed = p.build(TestKeys.primary());
    List<byte[]> seeds = List.of(signed.bytes(), p.build(TestKeys.secondary(), SignatureType.RSA256).bytes(),
        Mutations.concat(signed.controlMember(), signed.dataMember()));
    Fuzzer.of("apk", IOException.class).run(seeds,
        (seed, r, corpus) -> r.nextInt(3) == 0 ? Mutations.bytes(seed, r, corpus)
            : Mutations.gzipMembers(seed, r, corpus, (content, rr) -> Mutations.tar(content, rr, corpus)),
        ApkPackageFuzzTest::read);
  }

  @Test
  void pkginfo() throws Exception {
    TestPackage p = pkg();
    BuiltApk signed = p.build(TestKeys.primary());
    byte[] anyScript = GzipMembers.split(signed.controlMember()).get(0).content();
    List<byte[]> seeds = List.of(p.pkginfo().getBytes(StandardCharsets.UTF_8));
    // The .PKGINFO mutated in an unsigned package (what --allow-untrusted reads), then the real data.
    Fuzzer.of("pkginfo", IOException.class).run(seeds,
        (seed, r, corpus) -> {
          byte[] info = r.nextInt(4) == 0 ? Mutations.bytes(seed, r, corpus)
              : Mutations.text(seed, r, corpus, PKGINFO_WORDS);
          TarBlocks control = new TarBlocks().file(".PKGINFO", info);
          if (r.nextBoolean()) {
            control.file(".post-install", anyScript);
          }
          return Mutations.concat(GzipMembers.gzip(control.toByteArray()), signed.dataMember());
        },
        ApkPackageFuzzTest::read);
  }

  /** The input is the control stream's tar of an unsigned package; its data stream is real. */
  @BeforeAll
  static void jazzerSeeds() throws Exception {
    Fuzzer.seedJazzerCorpus(ApkPackageFuzzTest.class, "controlStreamCoverageGuided",
        List.of(GzipMembers.split(pkg().controlMember()).get(0).content()));
    Fuzzer.seedJazzerCorpus(ApkPackageFuzzTest.class, "pkginfoCoverageGuided",
        List.of(pkg().pkginfo().getBytes(StandardCharsets.UTF_8)));
  }

  @CoverageGuided
  void controlStreamCoverageGuided(byte[] input) throws Exception {
    byte[] data = pkg().dataMember();
    Fuzzer.once(input, in -> read(Mutations.concat(GzipMembers.gzip(in), data)), IOException.class);
  }

  /** The input is the .PKGINFO of an unsigned package. */
  @CoverageGuided
  void pkginfoCoverageGuided(byte[] input) throws Exception {
    byte[] data = pkg().dataMember();
    Fuzzer.once(input, in -> read(Mutations.concat(
        GzipMembers.gzip(new TarBlocks().file(".PKGINFO", in).toByteArray()), data)), IOException.class);
  }
}
