package dev.apkimg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.testing.GzipMembers;
import dev.apkimg.testing.Prerequisites;
import dev.apkimg.testing.TestCertificates;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code certificates.additional} on Alpine's own ca-certificates-bundle (the fixture mirror):
 * the image's bundle is Alpine's, byte for byte, with the certificate after it as
 * {@code update-ca-certificates} appends one, and {@code openssl verify} trusts it through the
 * image's bundle.
 */
class CertificatesIT {
  private static final String CORP = TestCertificates.selfSigned("corp root");

  @TempDir Path tmp;

  /** The bytes of {@code path} in Alpine's package file. */
  private static byte[] shipped(Path apk, String path) throws Exception {
    List<GzipMembers.Member> members = GzipMembers.split(Files.readAllBytes(apk));
    byte[] data = members.get(members.size() - 1).content(); // the data stream, inflated
    try (InputStream in = new ByteArrayInputStream(data); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
        if (e.getName().equals(path)) {
          return tar.readAllBytes();
        }
      }
    }
    throw new AssertionError("no " + path + " in " + apk);
  }

  @Test
  void alpinesBundleGetsTheCertificateAppendedAndOpensslTrustsIt() throws Exception {
    Path fixtures = Prerequisites.requireSharedFixtures();
    Path openssl = Prerequisites.requireCommand("openssl");
    Path main = fixtures.resolve("mirror/v3.20/main");
    Path profile = Files.writeString(tmp.resolve("certs.yaml"), """
        contents:
          repositories: [https://dl-cdn.alpinelinux.org/alpine/v3.20/main]
          packages: [ca-certificates-bundle, busybox]
        archs: [x86_64]
        certificates:
          additional:
            - name: corp-root
              content: |
        %s""".formatted(CORP.indent(8)));
    Processes.apkimg(List.of("build", profile.toString(), "-o", tmp.resolve("img.tar").toString(),
        "-r", main.toString(), "-k", fixtures.resolve("keys/apkimg-test.rsa.pub").toString(),
        "--cache-dir", tmp.resolve("cache").toString())).assertSuccess();

    ImageReader image = ImageReader.read(tmp.resolve("img.tar"));
    Path apk;
    try (var files = Files.list(main.resolve("x86_64"))) {
      apk = files.filter(f -> f.getFileName().toString().startsWith("ca-certificates-bundle-")).findFirst().orElseThrow();
    }
    byte[] alpine = shipped(apk, "etc/ssl/certs/ca-certificates.crt");
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.writeBytes(alpine);
    expected.writeBytes((CORP + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    byte[] bundle = image.get("etc/ssl/certs/ca-certificates.crt").content();
    assertThat(bundle).isEqualTo(expected.toByteArray());
    assertThat(image.get("etc/ssl/cert.pem").header().getLinkName()).isEqualTo("certs/ca-certificates.crt");

    Path bundleFile = Files.write(tmp.resolve("bundle.crt"), bundle);
    Path cert = Files.writeString(tmp.resolve("corp.pem"), CORP);
    Processes.Output verify = Processes.exec(tmp, openssl.toString(), "verify", "-CAfile", bundleFile.toString(),
        cert.toString());
    assertThat(verify.out()).as(verify.toString()).contains(cert + ": OK");
    Processes.Output without = Processes.exec(tmp, openssl.toString(), "verify", "-CAfile",
        Files.write(tmp.resolve("alpine.crt"), alpine).toString(), cert.toString());
    assertThat(without.code()).as("Alpine's bundle alone does not trust it").isNotZero();
  }
}
