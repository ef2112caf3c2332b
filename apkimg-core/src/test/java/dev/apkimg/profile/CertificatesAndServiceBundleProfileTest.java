package dev.apkimg.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apkimg.testing.TestCertificates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** apko's {@code certificates} and {@code entrypoint.type: service-bundle} as profiles write them. */
class CertificatesAndServiceBundleProfileTest {
  private static final String CORP = TestCertificates.selfSigned("corp root");

  @TempDir Path tmp;

  private Path write(String yaml) throws IOException {
    return Files.writeString(tmp.resolve("p.yaml"), "contents: {packages: [busybox]}\n" + yaml);
  }

  private static String indented(String pem, int spaces) {
    return pem.indent(spaces);
  }

  @Test
  void additionalCertificatesAreReadAsApkoWritesThem() throws IOException {
    ImageProfile p = ProfileLoader.load(write("""
        certificates:
          additional:
            - name: corp-root
              content: |
        %s""".formatted(indented(CORP, 8))));
    assertThat(p.certificates().additional()).extracting(ImageProfile.AdditionalCertificate::name)
        .containsExactly("corp-root");
    assertThat(p.certificates().additional().get(0).content()).isEqualTo(CORP);
  }

  @Test
  void aContentThatIsNotACertificateIsOneLineNamingTheEntryAndWhereItIs() throws IOException {
    Path p = write("""
        certificates:
          additional:
            - name: corp-root
              content: |
        %s    - name: oops
              content: not a certificate
        """.formatted(indented(CORP, 8)));
    assertThatThrownBy(() -> ProfileLoader.load(p)).isInstanceOf(ProfileException.class)
        .hasMessage(p + ":" + (7 + CORP.split("\n").length) + ":7: certificates.additional[1]: certificate 'oops' is"
            + " refused: no PEM certificate (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)");
  }

  @Test
  void aCertificateMayBeAFileBesideTheProfileThatNamesIt() throws IOException {
    Files.createDirectories(tmp.resolve("base/certs"));
    Files.writeString(tmp.resolve("base/certs/corp.pem"), CORP);
    Files.writeString(tmp.resolve("base/base.yaml"), "certificates:\n  additional:\n    - {name: corp, file: certs/corp.pem}\n");
    Path p = write("include: [base/base.yaml]\n");
    ImageProfile loaded = ProfileLoader.load(p);
    ImageProfile.AdditionalCertificate c = loaded.certificates().additional().get(0);
    assertThat(c.file()).isEqualTo("base/certs/corp.pem"); // relative to the top profile now
    assertThat(c.pem(tmp)).isEqualTo(CORP);
  }

  @Test
  void aCertificateFileOutsideTheProfilesFolderOrNotACertificateOrBesideContentIsRefused() throws IOException {
    Files.createDirectories(tmp.resolve("app"));
    Files.writeString(tmp.resolve("corp.pem"), CORP);
    Path outside = Files.writeString(tmp.resolve("app/p.yaml"),
        "contents: {packages: [busybox]}\ncertificates:\n  additional:\n    - {name: corp, file: ../corp.pem}\n");
    assertThatThrownBy(() -> ProfileLoader.load(outside)).isInstanceOf(ProfileException.class)
        .hasMessage(outside + ":4:20: certificates.additional[0].file: '../corp.pem' is outside " + tmp.resolve("app")
            + ", the folder of the profile that names it: copy it there, or allow its folder explicitly");

    Files.writeString(tmp.resolve("notes.txt"), "hello\n");
    Path notCert = write("certificates:\n  additional:\n    - {name: corp, file: notes.txt}\n");
    assertThatThrownBy(() -> ProfileLoader.load(notCert)).isInstanceOf(ProfileException.class)
        .hasMessage(notCert + ":4:20: certificates.additional[0]: certificate 'corp' is refused: no PEM certificate"
            + " (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)");

    Path both = write("certificates:\n  additional:\n    - {name: corp, file: corp.pem, content: x}\n");
    assertThatThrownBy(() -> ProfileLoader.load(both)).isInstanceOf(ProfileException.class)
        .hasMessage(both + ":4:8: certificates.additional[0]: certificate 'corp' needs either content (the PEM text)"
            + " or file (a PEM file beside the profile), not both");
  }

  @ParameterizedTest
  @ValueSource(strings = {"../etc/passwd", ".hidden", "a/b", "with space"})
  void aNameThatIsNotAPlainFileNameIsRefused(String name) throws IOException {
    Path p = write("certificates:\n  additional:\n    - name: '" + name + "'\n      content: |\n"
        + indented(CORP, 8));
    assertThatThrownBy(() -> ProfileLoader.load(p)).isInstanceOf(ProfileException.class)
        .hasMessage(p + ":4:7: certificates.additional[0].name: '" + name + "' is not a valid certificate name"
            + " (letters, digits, '_', '-', '.', not starting with '.')");
  }

  @Test
  void aNameGivenTwiceIsRefused() throws IOException {
    String entry = "    - name: corp\n      content: |\n" + indented(CORP, 8);
    Path p = write("certificates:\n  additional:\n" + entry + entry);
    assertThatThrownBy(() -> ProfileLoader.load(p)).isInstanceOf(ProfileException.class)
        .hasMessageContaining("duplicate certificate name 'corp'");
  }

  @Test
  void providersArePackageNames() throws IOException {
    assertThat(ProfileLoader.load(write("certificates:\n  providers: [custom-ca-certificates]\n")).certificates()
        .providers()).containsExactly("custom-ca-certificates");
    Path p = write("certificates:\n  providers: ['a b']\n");
    assertThatThrownBy(() -> ProfileLoader.load(p)).isInstanceOf(ProfileException.class)
        .hasMessage(p + ": certificates.providers: 'a b' is not a package name");
  }

  @Test
  void aServiceBundleRunsS6OverItsServicesAndAddsTheS6Package() throws IOException {
    ImageProfile p = ProfileLoader.load(write("""
        entrypoint:
          type: service-bundle
          services:
            nginx: /usr/sbin/nginx -c /etc/nginx/nginx.conf -g "daemon off;"
            cron: crond -f
        """));
    assertThat(p.entrypoint().serviceBundle()).isTrue();
    assertThat(p.entrypoint().effectiveCommand()).isEqualTo("/bin/s6-svscan /sv");
    assertThat(p.entrypoint().services()).containsExactly(Map.entry("cron", "crond -f"),
        Map.entry("nginx", "/usr/sbin/nginx -c /etc/nginx/nginx.conf -g \"daemon off;\""));
    assertThat(p.contents().packages()).containsExactly("busybox");
    assertThat(p.world()).containsExactly("busybox", "s6");

    ImageProfile named = ProfileLoader.load(Files.writeString(tmp.resolve("q.yaml"),
        "contents: {packages: [busybox, s6=2.12.0.3-r0]}\nentrypoint: {type: service-bundle, services: {a: b}}\n"));
    assertThat(named.world()).containsExactly("busybox", "s6=2.12.0.3-r0");
  }

  @Test
  void withoutAServiceBundleTheWorldIsThePackagesAndTheCommandIsTheProfiles() throws IOException {
    ImageProfile p = ProfileLoader.load(write("entrypoint: {command: /bin/app}\n"));
    assertThat(p.world()).containsExactly("busybox");
    assertThat(p.entrypoint().effectiveCommand()).isEqualTo("/bin/app");
  }

  @Test
  void anUnsupportedEntrypointTypeIsOneErrorNamingIt() throws IOException {
    Path p = write("entrypoint: {type: oneshot, command: /bin/app}\n");
    assertThatThrownBy(() -> ProfileLoader.load(p)).isInstanceOf(ProfileException.class)
        .hasMessage(p + ": entrypoint.type: 'oneshot' is not supported (apko's only type, and apkimg's, is"
            + " service-bundle)");
  }

  @Test
  void aServiceBundleWithItsOwnCommandOrWithoutServicesIsRefused() throws IOException {
    Path command = write("entrypoint: {type: service-bundle, command: /bin/app, services: {a: b}}\n");
    assertThatThrownBy(() -> ProfileLoader.load(command)).isInstanceOf(ProfileException.class)
        .hasMessage(command + ": entrypoint: type service-bundle runs /bin/s6-svscan /sv; leave command and"
            + " shell-fragment out");
    Path none = write("entrypoint: {type: service-bundle}\n");
    assertThatThrownBy(() -> ProfileLoader.load(none)).isInstanceOf(ProfileException.class)
        .hasMessage(none + ": entrypoint: type service-bundle needs services (NAME: COMMAND), at least one");
  }

  @ParameterizedTest
  @ValueSource(strings = {"..", "../etc", "a/b", ".s6-svscan"})
  void aServiceNameThatIsNotAPlainFolderNameIsRefused(String name) throws IOException {
    Path p = write("entrypoint:\n  type: service-bundle\n  services:\n    '" + name + "': /bin/app\n");
    assertThatThrownBy(() -> ProfileLoader.load(p)).isInstanceOf(ProfileException.class)
        .hasMessage(p + ": entrypoint.services: '" + name + "' is not a valid service name (letters, digits, '_', '-',"
            + " '.', not starting with '.'): it names the folder /sv/NAME");
  }

  @Test
  void profilesWithoutTheseKeysKeepTheirChecksum() throws IOException {
    // The value apkimg f8d524b (before certificates and entrypoint.type) computed: lockfiles stay valid.
    Path p = write("entrypoint: {command: /bin/app}\n");
    assertThat(ProfileLoader.load(p).checksum())
        .isEqualTo("sha256:5bd1c7bec41d368f6c7889a809c52393e37732217cf3188e423bdecfda1229f2");
    Path q = Files.writeString(tmp.resolve("q.yaml"), Files.readString(p) + "certificates:\n  additional: []\n");
    assertThat(ProfileLoader.load(q).checksum()).isNotEqualTo(ProfileLoader.load(p).checksum());
  }
}
