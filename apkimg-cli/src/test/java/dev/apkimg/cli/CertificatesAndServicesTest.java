package dev.apkimg.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.apkimg.testing.LoopbackHttpServer;
import dev.apkimg.testing.TestCertificates;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * apko's {@code certificates.additional} and {@code entrypoint.type: service-bundle}, built by the
 * CLI from a repository with stand-ins for Alpine's ca-certificates-bundle, a JRE's java-cacerts
 * and s6.
 */
class CertificatesAndServicesTest {
  private static final String SHIPPED = TestCertificates.selfSigned("shipped root");
  private static final String CORP = TestCertificates.selfSigned("corp root");

  @TempDir Path tmp;

  private LoopbackHttpServer server;
  private String header;

  @BeforeEach
  void setUp() throws Exception {
    Path keyFile = TestKeys.primary().writePublicKey(tmp.resolve("keys"));
    KeyStore jks = KeyStore.getInstance("JKS");
    jks.load(null, null);
    jks.setCertificateEntry("shipped", TestCertificates.parse(SHIPPED));
    ByteArrayOutputStream cacerts = new ByteArrayOutputStream();
    jks.store(cacerts, "changeit".toCharArray());
    new TestRepository(TestKeys.primary())
        .add(TestPackage.builder("ca-certificates-bundle", "1-r0").builddate(1_700_000_000L)
            .dir("etc").dir("etc/ssl").dir("etc/ssl/certs").file("etc/ssl/certs/ca-certificates.crt", SHIPPED + "\n")
            .symlink("etc/ssl/cert.pem", "certs/ca-certificates.crt").build())
        .add(TestPackage.builder("java-cacerts", "1-r0").builddate(1_700_000_000L).depends("ca-certificates-bundle")
            .dir("etc").dir("etc/ssl").dir("etc/ssl/certs").dir("etc/ssl/certs/java")
            .file("etc/ssl/certs/java/cacerts", cacerts.toByteArray(), 0644).build())
        .add(TestPackage.builder("s6", "2.12-r0").builddate(1_700_000_000L).dir("bin")
            .file("bin/s6-svscan", "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8), 0755).build())
        .add(TestPackage.builder("corp-ca", "1-r0").builddate(1_700_000_000L).provides("custom-ca-certificates")
            .dir("usr").dir("usr/local").dir("usr/local/share").dir("usr/local/share/ca-certificates")
            .file("usr/local/share/ca-certificates/corp.crt", CORP).build())
        .add(TestPackage.builder("web", "1-r0").builddate(1_700_000_000L).dir("usr").dir("usr/bin")
            .file("usr/bin/web", "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8), 0755).build())
        .write(tmp.resolve("mirror/main"));
    server = LoopbackHttpServer.serve(tmp.resolve("mirror"));
    header = """
        archs: [x86_64]
        contents:
          repositories: [%smain]
          keyring: [%s]
        """.formatted(server.url(), keyFile);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private Processes.Output build(String yaml) throws IOException {
    Path profile = Files.writeString(tmp.resolve("p.yaml"), header + yaml);
    return Processes.apkimg(List.of("build", profile.toString(), "-o", tmp.resolve("out.tar").toString(),
        "--cache-dir", tmp.resolve("cache").toString()));
  }

  private static String sha256(String pem) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(TestCertificates.parse(pem).getEncoded()));
  }

  private String certificatesProfile() {
    return """
          packages: [java-cacerts]
        certificates:
          additional:
            - name: corp-root
              content: |
        %s""".formatted(CORP.indent(8));
  }

  @Test
  void additionalCertificatesReachTheBundleTheLocalFolderAndTheJavaTrustStore() throws Exception {
    build(certificatesProfile()).assertSuccess();
    ImageReader image = ImageReader.read(tmp.resolve("out.tar"));
    assertThat(image.get("etc/ssl/certs/ca-certificates.crt").text()).isEqualTo(SHIPPED + "\n" + CORP + "\n");
    assertThat(image.get("usr/local/share/ca-certificates/corp-root-" + sha256(CORP) + ".crt").text()).isEqualTo(CORP);
    KeyStore ks = KeyStore.getInstance("JKS");
    ks.load(new ByteArrayInputStream(image.get("etc/ssl/certs/java/cacerts").content()), "changeit".toCharArray());
    assertThat(ks.getCertificate("corp-root-" + sha256(CORP))).isEqualTo(TestCertificates.parse(CORP));
    assertThat(ks.getCertificate("shipped")).isEqualTo(TestCertificates.parse(SHIPPED));

    byte[] first = Files.readAllBytes(tmp.resolve("out.tar"));
    build(certificatesProfile()).assertSuccess();
    assertThat(Files.readAllBytes(tmp.resolve("out.tar"))).as("the same image on every build").isEqualTo(first);
  }

  @Test
  void aCertificateFileBesideTheProfileIsAddedAsItsContentWouldBe() throws Exception {
    build(certificatesProfile()).assertSuccess();
    byte[] fromContent = Files.readAllBytes(tmp.resolve("out.tar"));
    Files.writeString(tmp.resolve("corp.pem"), CORP);
    build("""
          packages: [java-cacerts]
        certificates:
          additional:
            - name: corp-root
              file: corp.pem
        """).assertSuccess();
    ImageReader image = ImageReader.read(tmp.resolve("out.tar"));
    assertThat(image.get("etc/ssl/certs/ca-certificates.crt").text()).isEqualTo(SHIPPED + "\n" + CORP + "\n");
    ImageReader first = ImageReader.read(Files.write(tmp.resolve("first.tar"), fromContent));
    for (String path : List.of("etc/ssl/certs/ca-certificates.crt", "etc/ssl/certs/java/cacerts",
        "usr/local/share/ca-certificates/corp-root-" + sha256(CORP) + ".crt")) {
      assertThat(image.get(path).content()).as(path).isEqualTo(first.get(path).content());
    }
  }

  @Test
  void providersAddTheCertificatesThatInstalledPackagesShipAlsoWhenTheirScanIsCached() throws Exception {
    String yaml = """
          packages: [java-cacerts, corp-ca]
        certificates:
          providers: [custom-ca-certificates]
        """;
    build(yaml).assertSuccess();
    byte[] first = Files.readAllBytes(tmp.resolve("out.tar"));
    ImageReader image = ImageReader.read(tmp.resolve("out.tar"));
    assertThat(image.get("etc/ssl/certs/ca-certificates.crt").text()).isEqualTo(SHIPPED + "\n" + CORP + "\n");
    KeyStore ks = KeyStore.getInstance("JKS");
    ks.load(new ByteArrayInputStream(image.get("etc/ssl/certs/java/cacerts").content()), "changeit".toCharArray());
    assertThat(ks.getCertificate("pkg-" + sha256(CORP))).isEqualTo(TestCertificates.parse(CORP));

    build(yaml).assertSuccess(); // the packages' scans now come from the cache
    assertThat(Files.readAllBytes(tmp.resolve("out.tar"))).isEqualTo(first);
  }

  @Test
  void opensslVerifiesTheAddedCertificateAgainstTheImagesBundle() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl is not installed");
    build(certificatesProfile()).assertSuccess();
    Path bundle = Files.write(tmp.resolve("bundle.crt"),
        ImageReader.read(tmp.resolve("out.tar")).get("etc/ssl/certs/ca-certificates.crt").content());
    Path cert = Files.writeString(tmp.resolve("corp.pem"), CORP);
    Processes.Output verify = Processes.exec(tmp, "/usr/bin/openssl", "verify", "-CAfile", bundle.toString(),
        cert.toString());
    assertThat(verify.out()).as(verify.toString()).contains(cert + ": OK");
  }

  @Test
  void aCertificateThatIsNotOneFailsTheBuildInOneLineNamingIt() throws Exception {
    Processes.Output r = build("""
          packages: [web]
        certificates:
          additional:
            - name: corp-root
              content: not a certificate
        """);
    assertThat(r.code()).isNotZero();
    assertThat(r.err().strip()).doesNotContain("\n").contains("certificates.additional[0]: certificate 'corp-root' is"
        + " refused: no PEM certificate");
  }

  @Test
  void aServiceBundleInstallsS6WritesTheSupervisionTreeAndRunsS6Svscan() throws Exception {
    build("""
          packages: [web]
        entrypoint:
          type: service-bundle
          services:
            web: /usr/bin/web --port 8080
        """).assertSuccess();
    ImageReader image = ImageReader.read(tmp.resolve("out.tar"));
    assertThat(image.get("etc/apk/world").text()).isEqualTo("s6\nweb\n");
    assertThat(image.get("bin/s6-svscan").mode()).isEqualTo(0755);
    assertThat(image.get("sv/web/run").text()).isEqualTo("#!/bin/execlineb\n/usr/bin/web --port 8080\n");
    assertThat(image.get("sv/web/run").mode()).isEqualTo(0755);
    assertThat(image.get("sv/web").mode()).isEqualTo(0777);
    assertThat(image.config().path("config").path("Entrypoint").toString()).isEqualTo("[\"/bin/s6-svscan\",\"/sv\"]");
  }

  @Test
  void anUnsupportedEntrypointTypeFailsInOneLineNamingIt() throws Exception {
    Processes.Output r = build("  packages: [web]\nentrypoint: {type: oneshot, command: /usr/bin/web}\n");
    assertThat(r.code()).isNotZero();
    assertThat(r.err().strip()).doesNotContain("\n").contains("entrypoint.type: 'oneshot' is not supported");
  }
}
