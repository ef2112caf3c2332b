package dev.apkimg.rootfs;

import static dev.apkimg.rootfs.Layers.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apkimg.ApkimgException;
import dev.apkimg.testing.TestCertificates;
import dev.apkimg.testing.TestPackage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Alpine's Java trust store: java-cacerts' hook, which ca-certificates' trigger
 * ({@code update-ca-certificates}) runs, written from the image's CA bundle. The stand-in
 * packages carry Alpine's texts: ca-certificates' trigger, java-cacerts' hook and pre-deinstall.
 */
class JavaCacertsHookTest {
  private static final String BUNDLE = "etc/ssl/certs/ca-certificates.crt";
  private static final String CACERTS = "etc/ssl/certs/java/cacerts";
  private static final String HOOK = "etc/ca-certificates/update.d/java-cacerts";
  private static final String JRE_CACERTS = "usr/lib/jvm/java-17-openjdk/lib/security/cacerts";
  /** Alpine's ca-certificates trigger, as aports has it. */
  private static final String TRIGGER = "#!/bin/sh\n/usr/sbin/update-ca-certificates > /dev/null 2>&1\nexit 0\n";
  /** java-cacerts' hook as its APKBUILD writes it. */
  private static final String HOOK_TEXT = "#!/bin/sh\nexec trust extract --overwrite --format=java-cacerts"
      + " --filter=ca-anchors \\\n\t--purpose server-auth /etc/ssl/certs/java/cacerts\n";
  private static final String HOOK_LINE = "exec trust extract --overwrite --format=java-cacerts --filter=ca-anchors"
      + " --purpose server-auth /etc/ssl/certs/java/cacerts";
  private static final String GLOBAL = TestCertificates.selfSigned("Global Root CA");
  private static final String GLOBAL_TOO = TestCertificates.selfSigned("Global Root CA, O=Other");
  private static final String ACME = TestCertificates.selfSigned("ACME\tTrust Services");
  private static final String CORP = TestCertificates.selfSigned("corp root");
  /** The biggest CA bundle apkimg makes a trust store of: 8 MiB. */
  private static final int MAX_BUNDLE = 8 << 20;

  @TempDir Path tmp;

  /**
   * {@code text} as a certificate file that /etc/ca-certificates.conf names, as ca-certificates
   * ships Mozilla's: update-ca-certificates makes the bundle of it ({@code text} and a newline).
   */
  private static TestPackage bundle(String text) {
    return TestPackage.builder("ca-certificates-mozilla", "20240705-r0").dir("etc").dir("etc/ssl").dir("etc/ssl/certs")
        .dir("usr").dir("usr/share").dir("usr/share/ca-certificates").dir("usr/share/ca-certificates/mozilla")
        .file("usr/share/ca-certificates/mozilla/Test_Roots.crt", text)
        .file("etc/ca-certificates.conf", "# Automatically generated\nmozilla/Test_Roots.crt\n")
        .symlink("etc/ssl/cert.pem", "certs/ca-certificates.crt").build();
  }

  private static TestPackage caCertificates(String trigger) {
    return TestPackage.builder("ca-certificates", "20240705-r0").dir("etc").dir("etc/ca-certificates")
        .dir("etc/ca-certificates/update.d")
        .file("etc/ca-certificates/update.d/certhash", "#!/bin/sh\nexec /usr/bin/c_rehash /etc/ssl/certs\n"
            .getBytes(StandardCharsets.UTF_8), 0755)
        .trigger(trigger, "/usr/share/ca-certificates", "/usr/local/share/ca-certificates", "/etc/ssl/certs",
            "/etc/ca-certificates/update.d")
        .build();
  }

  private static TestPackage javaCacerts(String hook) {
    return TestPackage.builder("java-cacerts", "1.1-r0").dir("etc").dir("etc/ssl").dir("etc/ssl/certs")
        .dir("etc/ssl/certs/java").dir("etc/ca-certificates").dir("etc/ca-certificates/update.d")
        .file(HOOK, hook.getBytes(StandardCharsets.UTF_8), 0755)
        .preDeinstall("#!/bin/sh\nexec rm -f etc/ssl/certs/java/cacerts\n")
        .depends("ca-certificates").build();
  }

  private static TestPackage jre() {
    return TestPackage.builder("openjdk17-jre-headless", "17.0.99-r0").depends("java-cacerts")
        .dir("usr").dir("usr/lib").dir("usr/lib/jvm").dir("usr/lib/jvm/java-17-openjdk")
        .dir("usr/lib/jvm/java-17-openjdk/lib").dir("usr/lib/jvm/java-17-openjdk/lib/security")
        .symlink(JRE_CACERTS, "/etc/ssl/certs/java/cacerts").build();
  }

  private static KeyStore load(byte[] store) throws Exception {
    KeyStore ks = KeyStore.getInstance("JKS");
    ks.load(new ByteArrayInputStream(store), "changeit".toCharArray()); // checks the integrity digest
    return ks;
  }

  private static Map<String, Certificate> entries(KeyStore ks) throws Exception {
    Map<String, Certificate> out = new TreeMap<>();
    for (String alias : Collections.list(ks.aliases())) {
      assertThat(ks.isCertificateEntry(alias)).as(alias).isTrue();
      out.put(alias, ks.getCertificate(alias));
    }
    return out;
  }

  private LayerResult build(List<RootfsMutation> mutations, TestPackage... pkgs) throws Exception {
    Path dir = Files.createTempDirectory(tmp, "build");
    return Layers.write(dir, mutations, pkgs);
  }

  private static ScriptReport hookReport(LayerResult result) {
    return result.scripts().stream().filter(s -> s.script().startsWith("/" + HOOK)).findFirst().orElseThrow();
  }

  @Test
  void theTriggerWritesAJksTrustStoreOfTheBundlesCertificatesNamedAsP11KitNamesThem() throws Exception {
    LayerResult result = build(List.of(), bundle("# a comment p11-kit skips\n" + GLOBAL + "\n" + ACME + "\n" + GLOBAL_TOO),
        caCertificates(TRIGGER), javaCacerts(HOOK_TEXT), jre());
    Map<String, Layers.Item> layer = read(result.file());

    assertThat(layer).containsKey(CACERTS);
    assertThat(layer.get(CACERTS).mode()).isEqualTo(0644);
    assertThat(layer.get(CACERTS).owner()).isEqualTo("0:0");
    assertThat(layer.get(JRE_CACERTS).entry().getLinkName()).isEqualTo("/etc/ssl/certs/java/cacerts");
    KeyStore ks = load(layer.get(CACERTS).content());
    assertThat(entries(ks)).containsExactly(
        Map.entry("acmetrustservices", TestCertificates.parse(ACME)),
        Map.entry("globalrootca", TestCertificates.parse(GLOBAL)),
        Map.entry("globalrootca-1", TestCertificates.parse(GLOBAL_TOO)));
    for (String alias : Collections.list(ks.aliases())) {
      assertThat(ks.getCreationDate(alias).getTime()).isEqualTo(Layers.TIMESTAMP * 1000);
    }

    ScriptReport report = hookReport(result);
    assertThat(report.script()).isEqualTo("/" + HOOK + " (java-cacerts-1.1-r0)");
    assertThat(report.carriedOut()).containsExactly(HOOK_LINE);
    assertThat(report.notCarriedOut()).isEmpty();
    assertThat(result.skippedScripts()).doesNotContain(report.script());
  }

  @Test
  void likeTrustExtractItKeepsEachCaForServerAuthenticationOnce() throws Exception {
    String endEntity = TestCertificates.selfSigned("server.example", List.of());
    String clientOnly = TestCertificates.selfSigned("Client Auth CA", List.of("bc:c", "eku=clientAuth"));
    String serverToo = TestCertificates.selfSigned("Web CA", List.of("bc:c", "eku=serverAuth,clientAuth"));
    LayerResult result = build(List.of(), bundle(GLOBAL + endEntity + clientOnly + serverToo + GLOBAL),
        caCertificates(TRIGGER), javaCacerts(HOOK_TEXT), jre());
    assertThat(entries(load(read(result.file()).get(CACERTS).content()))).containsExactly(
        Map.entry("globalrootca", TestCertificates.parse(GLOBAL)),
        Map.entry("webca", TestCertificates.parse(serverToo)));
  }

  @Test
  void theTrustStoreIsTheSameBytesOnEveryBuild() throws Exception {
    TestPackage[] pkgs = {bundle(GLOBAL + ACME), caCertificates(TRIGGER), javaCacerts(HOOK_TEXT), jre()};
    byte[] first = read(build(List.of(), pkgs).file()).get(CACERTS).content();
    byte[] second = read(build(List.of(), pkgs).file()).get(CACERTS).content();
    assertThat(second).isEqualTo(first);
  }

  @Test
  void theProfilesAdditionalCertificatesAreInTheTrustStoreToo() throws Exception {
    CaCertificates additional = new CaCertificates(List.of(CaCertificates.parse("corp", CORP)));
    Map<String, Layers.Item> layer = read(build(List.of(additional), bundle(GLOBAL),
        caCertificates(TRIGGER), javaCacerts(HOOK_TEXT), jre()).file());
    Map<String, Certificate> entries = entries(load(layer.get(CACERTS).content()));
    assertThat(entries.values()).containsExactlyInAnyOrder(TestCertificates.parse(GLOBAL), TestCertificates.parse(CORP));
    assertThat(entries).containsKey("globalrootca");
  }

  @Test
  void otherTriggerTextsRunTheHookToo() throws Exception {
    // aports' older trigger, and --fresh with the redirection spelled as today's
    for (String trigger : List.of("#!/bin/sh\n/usr/sbin/update-ca-certificates --fresh  &> /dev/null\nexit 0\n",
        "#!/bin/sh\n/usr/sbin/update-ca-certificates --fresh >/dev/null 2>&1\nexit 0\n")) {
      Map<String, Layers.Item> layer = read(build(List.of(), bundle(GLOBAL), caCertificates(trigger),
          javaCacerts(HOOK_TEXT), jre()).file());
      assertThat(entries(load(layer.get(CACERTS).content())).keySet()).as(trigger).containsExactly("globalrootca");
    }
  }

  @Test
  void withoutCertificatesTheBundleAndTheTrustStoreAreEmpty() throws Exception {
    // no /etc/ca-certificates.conf: update-ca-certificates writes an empty bundle, the hook an empty store
    LayerResult result = build(List.of(), caCertificates(TRIGGER), javaCacerts(HOOK_TEXT), jre());
    Map<String, Layers.Item> layer = read(result.file());
    assertThat(layer.get(BUNDLE).content()).isEmpty();
    assertThat(entries(load(layer.get(CACERTS).content()))).isEmpty();
    assertThat(hookReport(result).carriedOut()).containsExactly(HOOK_LINE);
  }

  @Test
  void withoutEtcSslCertsUpdateCaCertificatesStopsBeforeTheHooks() throws Exception {
    // update-ca-certificates makes its bundle's temporary file in /etc/ssl/certs first; without it, it stops
    LayerResult result = build(List.of(), caCertificates(TRIGGER));
    assertThat(read(result.file())).doesNotContainKey(BUNDLE);
    assertThat(result.scripts()).noneMatch(s -> s.script().startsWith("/etc/ca-certificates/update.d/"));
    ScriptReport trigger = result.scripts().stream().filter(s -> s.script().equals("ca-certificates-20240705-r0.trigger"))
        .findFirst().orElseThrow();
    assertThat(trigger.notCarriedOut())
        .containsExactly("/usr/sbin/update-ca-certificates > /dev/null 2>&1 (not done: /etc/ssl/certs is not a directory)");
    assertThat(trigger.carriedOut()).containsExactly("exit 0");
  }

  @Test
  void onlyJavaCacertsOwnHookLineRunsAndOnlyFromTheTrigger() throws Exception {
    String other = "#!/bin/sh\nexec trust extract --overwrite --format=pem-bundle /etc/ssl/certs/java/cacerts\n";
    LayerResult result = build(List.of(), bundle(GLOBAL), caCertificates(TRIGGER), javaCacerts(other), jre());
    assertThat(read(result.file())).doesNotContainKey(CACERTS);
    assertThat(hookReport(result).notCarriedOut())
        .containsExactly("exec trust extract --overwrite --format=pem-bundle /etc/ssl/certs/java/cacerts");

    // Nor does java-cacerts' own hook run without ca-certificates' trigger, as with apk.
    LayerResult untriggered = build(List.of(), bundle(GLOBAL), javaCacerts(HOOK_TEXT), jre());
    assertThat(read(untriggered.file())).doesNotContainKey(CACERTS);
    assertThat(untriggered.scripts()).noneMatch(s -> s.script().startsWith("/" + HOOK));
  }

  @Test
  void anOversizedBundleIsRefusedInOneLine() throws Exception {
    StringBuilder big = new StringBuilder(GLOBAL);
    String filler = "#".repeat(1023) + "\n";
    while (big.length() <= MAX_BUNDLE) {
      big.append(filler);
    }
    assertThatThrownBy(() -> build(List.of(), bundle(big.toString()), caCertificates(TRIGGER), javaCacerts(HOOK_TEXT),
        jre()))
        .isInstanceOf(ApkimgException.class)
        .hasMessage("update-ca-certificates: the CA bundle /" + BUNDLE + " would have more than " + MAX_BUNDLE
            + " bytes; apkimg writes a CA bundle only up to that size");
  }

  @Test
  void aBrokenCertificateInTheBundleIsRefusedInOneLine() throws Exception {
    String broken = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    assertThatThrownBy(() -> build(List.of(), bundle(GLOBAL + broken), caCertificates(TRIGGER), javaCacerts(HOOK_TEXT),
        jre()))
        .isInstanceOf(ApkimgException.class)
        .hasMessage("java-cacerts: certificate 2 of the CA bundle /" + BUNDLE + " is not an X.509 certificate;"
            + " fix or remove it in the package that ships the bundle");
  }
}
