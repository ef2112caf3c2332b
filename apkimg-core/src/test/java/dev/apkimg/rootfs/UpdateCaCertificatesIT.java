package dev.apkimg.rootfs;

import static dev.apkimg.rootfs.Layers.read;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.testing.Prerequisites;
import dev.apkimg.testing.TestCertificates;
import dev.apkimg.testing.TestPackage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hash links update-ca-certificates' certhash hook makes, checked against OpenSSL itself:
 * each {@code HASH.N} is named by what {@code openssl x509 -subject_hash} prints for the
 * certificate it leads to, for subjects that OpenSSL canonicalizes (case, runs of spaces,
 * non-ASCII, e-mail addresses, a multi-valued RDN).
 */
class UpdateCaCertificatesIT {
  private static final List<String> SUBJECTS = List.of("Global Root CA", "Mixed   CASE Root,O=ACME  Corp",
      "mixed case root,O=acme corp", "Zürich  ROOT,O=Ärzte", "Multi+OU=Valued,O=X",
      "Mail CA,EMAILADDRESS=CA@Example.COM", "Local Corp CA");

  private static Path openssl;

  @TempDir Path tmp;

  @BeforeAll
  static void needsOpenssl() {
    openssl = Prerequisites.requireCommand("openssl");
  }

  private String opensslHash(String pem) throws IOException, InterruptedException {
    Path file = Files.createTempFile(tmp, "cert", ".pem");
    Files.writeString(file, pem, StandardCharsets.US_ASCII);
    Process p = new ProcessBuilder(openssl.toString(), "x509", "-subject_hash", "-noout", "-in", file.toString())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  @Test
  void subjectHashIsWhatOpensslPrints() throws Exception {
    for (String subject : SUBJECTS) {
      String pem = TestCertificates.selfSigned(subject);
      byte[] der = TestCertificates.parse(pem).getEncoded();
      assertThat(String.format("%08x", SubjectHash.ofCertificate(der))).as(subject).isEqualTo(opensslHash(pem));
    }
  }

  @Test
  void everyHashLinkIsNamedByOpensslsHashOfItsCertificate() throws Exception {
    TestPackage.Builder pkg = TestPackage.builder("ca-certificates", "20240705-r0").dir("etc").dir("etc/ssl")
        .dir("etc/ssl/certs").dir("etc/ca-certificates").dir("etc/ca-certificates/update.d")
        .file("etc/ca-certificates/update.d/certhash",
            UpdateCaCertificatesTest.CERTHASH_TEXT.getBytes(StandardCharsets.UTF_8), 0755)
        .dir("usr").dir("usr/share").dir("usr/share/ca-certificates").dir("usr/share/ca-certificates/mozilla")
        .trigger(UpdateCaCertificatesTest.TRIGGER, "/usr/share/ca-certificates", "/etc/ssl/certs");
    StringBuilder conf = new StringBuilder("# Do not edit.\n");
    for (int i = 0; i < SUBJECTS.size(); i++) {
      String name = "mozilla/cert-" + i + ".crt";
      pkg.file("usr/share/ca-certificates/" + name, TestCertificates.selfSigned(SUBJECTS.get(i)));
      conf.append(name).append('\n');
    }
    pkg.file("etc/ca-certificates.conf", conf.toString());
    Map<String, Layers.Item> layer = read(Layers.write(Files.createTempDirectory(tmp, "build"), List.of(),
        pkg.build()).file());

    Map<String, String> links = UpdateCaCertificatesTest.links(layer);
    List<String> hashLinks = new ArrayList<>();
    for (Map.Entry<String, String> link : links.entrySet()) {
      if (link.getKey().matches("[0-9a-f]{8}\\.[0-9]+")) {
        hashLinks.add(link.getKey());
        String certLink = "etc/ssl/certs/" + link.getValue();
        String file = links.get(link.getValue()).substring(1); // the ca-cert link's absolute target
        assertThat(layer).as(certLink).containsKey(file);
        String pem = new String(layer.get(file).content(), StandardCharsets.US_ASCII);
        assertThat(link.getKey()).as(link.getValue()).startsWith(opensslHash(pem) + ".");
      }
    }
    // seven certificates, two of one hash: Alpine's c_rehash links six hashes, each as .0
    assertThat(hashLinks).hasSize(SUBJECTS.size() - 1).allMatch(n -> n.endsWith(".0"));
  }
}
