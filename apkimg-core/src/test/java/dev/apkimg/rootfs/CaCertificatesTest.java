package dev.apkimg.rootfs;

import static dev.apkimg.rootfs.Layers.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apkimg.ApkimgException;
import dev.apkimg.testing.TestCertificates;
import dev.apkimg.testing.TestPackage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code certificates.additional} in the layer: the local .crt files, the CA bundles, a JRE's cacerts. */
class CaCertificatesTest {
  private static final String BUNDLE = "etc/ssl/certs/ca-certificates.crt";
  private static final String CACERTS = "etc/ssl/certs/java/cacerts";
  private static final String SHIPPED = TestCertificates.selfSigned("shipped root");
  private static final String CORP = TestCertificates.selfSigned("corp root");
  private static final String LAB = TestCertificates.selfSigned("lab root");

  @TempDir Path tmp;

  private static String sha256(String pem) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
        .digest(TestCertificates.parse(pem).getEncoded()));
  }

  private static TestPackage.Builder bundlePackage() {
    return TestPackage.builder("ca-certificates-bundle", "1-r0").dir("etc").dir("etc/ssl").dir("etc/ssl/certs")
        .file(BUNDLE, SHIPPED + "\n").symlink("etc/ssl/cert.pem", "certs/ca-certificates.crt");
  }

  /** A JKS trust store as the JDK writes one, holding the shipped certificate. */
  private static byte[] jks(String type) throws Exception {
    KeyStore ks = KeyStore.getInstance(type);
    ks.load(null, null);
    ks.setCertificateEntry("shipped", TestCertificates.parse(SHIPPED));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ks.store(out, "changeit".toCharArray());
    return out.toByteArray();
  }

  private static CaCertificates mutation(String... namesAndPems) {
    List<CaCertificates.Certificate> certs = new java.util.ArrayList<>();
    for (int i = 0; i < namesAndPems.length; i += 2) {
      certs.add(CaCertificates.parse(namesAndPems[i], namesAndPems[i + 1]));
    }
    return new CaCertificates(certs);
  }

  @Test
  void eachCertificateIsAFileOfItsOwnAndIsAppendedToTheBundleAsUpdateCaCertificatesWritesIt() throws Exception {
    LayerResult result = Layers.write(tmp, List.of(mutation("corp", CORP, "lab", "text before it\n" + LAB)),
        bundlePackage().build());
    Map<String, Layers.Item> layer = read(result.file());

    assertThat(layer.get(BUNDLE).text()).isEqualTo(SHIPPED + "\n" + CORP + "\n" + LAB + "\n");
    assertThat(layer.get(BUNDLE).mode()).isEqualTo(0644);
    assertThat(layer.get("etc/ssl/cert.pem").entry().getLinkName()).isEqualTo("certs/ca-certificates.crt");
    String corpFile = "usr/local/share/ca-certificates/corp-" + sha256(CORP) + ".crt";
    assertThat(layer.get(corpFile).text()).isEqualTo(CORP);
    assertThat(layer.get(corpFile).mode()).isEqualTo(0644);
    assertThat(layer.get(corpFile).owner()).isEqualTo("0:0");
    assertThat(layer.get("usr/local/share/ca-certificates/lab-" + sha256(LAB) + ".crt").text())
        .as("the PEM block alone, without the text around it").isEqualTo(LAB);
    assertThat(layer.get("usr/local/share/ca-certificates").mode()).isEqualTo(0755);
  }

  @Test
  void anImageWithoutABundleGetsTheCertificateFilesOnly() throws Exception {
    TestPackage app = TestPackage.builder("app", "1-r0").dir("etc").file("etc/app.conf", "x\n").build();
    Map<String, Layers.Item> layer = read(Layers.write(tmp, List.of(mutation("corp", CORP)), app).file());
    assertThat(layer).containsKey("usr/local/share/ca-certificates/corp-" + sha256(CORP) + ".crt")
        .doesNotContainKey(BUNDLE).doesNotContainKey(CACERTS);
  }

  @Test
  void aJksCacertsGetsEachCertificateDatedAtTheBuildAndTheSameBytesEveryTime() throws Exception {
    TestPackage jre = bundlePackage().dir("etc/ssl/certs/java").file(CACERTS, jks("JKS"), 0644).build();
    LayerResult result = Layers.write(tmp, List.of(mutation("corp", CORP)), jre);
    byte[] cacerts = read(result.file()).get(CACERTS).content();

    KeyStore ks = KeyStore.getInstance("JKS");
    ks.load(new ByteArrayInputStream(cacerts), "changeit".toCharArray()); // integrity checked with the password
    String alias = "corp-" + sha256(CORP);
    assertThat(Collections.list(ks.aliases())).containsExactlyInAnyOrder("shipped", alias);
    assertThat(ks.getCertificate(alias)).isEqualTo(TestCertificates.parse(CORP));
    assertThat(ks.isCertificateEntry(alias)).isTrue();
    assertThat(ks.getCreationDate(alias).getTime()).isEqualTo(Layers.TIMESTAMP * 1000);
    assertThat(ks.getCertificate("shipped")).isEqualTo(TestCertificates.parse(SHIPPED));

    Files.delete(result.file());
    byte[] again = read(Layers.write(tmp, List.of(mutation("corp", CORP)), jre).file()).get(CACERTS).content();
    assertThat(again).isEqualTo(cacerts);
  }

  @Test
  void keytoolListsTheAddedCertificate() throws Exception {
    TestPackage jre = bundlePackage().dir("etc/ssl/certs/java").file(CACERTS, jks("JKS"), 0644).build();
    Path store = tmp.resolve("cacerts");
    Files.write(store, read(Layers.write(tmp, List.of(mutation("corp", CORP)), jre).file()).get(CACERTS).content());
    String listing = TestCertificates.keytool(List.of("-list", "-keystore", store.toString(), "-storepass", "changeit"));
    assertThat(listing).contains("Keystore type: JKS").contains("2 entries").contains("corp-" + sha256(CORP));
  }

  @Test
  void aPkcs12CacertsIsRefusedRatherThanWrittenDifferentlyEachBuild() throws Exception {
    TestPackage jre = bundlePackage().dir("etc/ssl/certs/java").file(CACERTS, jks("PKCS12"), 0644).build();
    assertThatThrownBy(() -> Layers.write(tmp, List.of(mutation("corp", CORP)), jre))
        .isInstanceOf(ApkimgException.class)
        .hasMessage("certificates: /etc/ssl/certs/java/cacerts is a PKCS12 key store; apkimg adds certificates only"
            + " to a JKS trust store (as apko does), because other forms cannot be written the same on every build");
  }

  @Test
  void aCacertsWithAnotherPasswordIsRefused() throws Exception {
    KeyStore ks = KeyStore.getInstance("JKS");
    ks.load(null, null);
    ks.setCertificateEntry("shipped", TestCertificates.parse(SHIPPED));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ks.store(out, "secret".toCharArray());
    TestPackage jre = bundlePackage().dir("etc/ssl/certs/java").file(CACERTS, out.toByteArray(), 0644).build();
    assertThatThrownBy(() -> Layers.write(tmp, List.of(mutation("corp", CORP)), jre))
        .isInstanceOf(ApkimgException.class)
        .hasMessageStartingWith("certificates: cannot read the Java trust store /etc/ssl/certs/java/cacerts with the"
            + " password changeit: ");
  }

  @Test
  void providersAddTheCertificateFilesOfThePackagesThatProvideThem() throws Exception {
    TestPackage corp = TestPackage.builder("corp-certs", "1-r0").provides("custom-ca-certificates")
        .dir("usr").dir("usr/local").dir("usr/local/share").dir("usr/local/share/ca-certificates")
        .file("usr/local/share/ca-certificates/corp.crt", CORP)
        .file("usr/local/share/ca-certificates/README.pem", "not a certificate\n").build();
    TestPackage other = TestPackage.builder("other-certs", "1-r0")
        .dir("usr").dir("usr/local").dir("usr/local/share").dir("usr/local/share/ca-certificates")
        .file("usr/local/share/ca-certificates/lab.crt", LAB).build();
    TestPackage jre = bundlePackage().dir("etc/ssl/certs/java").file(CACERTS, jks("JKS"), 0644).build();
    CaCertificates m = new CaCertificates(List.of(), List.of("custom-ca-certificates"));
    Map<String, Layers.Item> layer = read(Layers.write(tmp, List.of(m), corp, other, jre).file());

    assertThat(layer.get(BUNDLE).text()).isEqualTo(SHIPPED + "\n" + CORP + "\n");
    KeyStore ks = KeyStore.getInstance("JKS");
    ks.load(new ByteArrayInputStream(layer.get(CACERTS).content()), "changeit".toCharArray());
    assertThat(Collections.list(ks.aliases())).containsExactlyInAnyOrder("shipped", "pkg-" + sha256(CORP));
  }

  @Test
  void onlyExactlyOneParsableCertificateIsAccepted() throws Exception {
    assertThatThrownBy(() -> CaCertificates.parse("x", "")).hasMessage("no certificate (content is empty)");
    assertThatThrownBy(() -> CaCertificates.parse("x", "hello"))
        .hasMessage("no PEM certificate (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)");
    assertThatThrownBy(() -> CaCertificates.parse("x", CORP + LAB))
        .hasMessage("more than one PEM block: give one certificate per entry");
    assertThatThrownBy(() -> CaCertificates.parse("x", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))
        .hasMessage("a PEM block of type 'PRIVATE KEY', not CERTIFICATE");
    assertThatThrownBy(() -> CaCertificates.parse("x", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
        .hasMessageStartingWith("not an X.509 certificate (");
    assertThatThrownBy(() -> CaCertificates.parse("x", "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n"))
        .hasMessage("the PEM block is not valid base64");
    assertThat(new String(CaCertificates.parse("x", CORP.replace("\n", "\r\n")).pem(), StandardCharsets.US_ASCII))
        .isEqualTo(CORP);
  }
}
