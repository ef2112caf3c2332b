package dev.apkimg.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apkimg.ApkimgException;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Credentials in repository and key URLs: parsed for sending, taken out of everything shown. */
class CredentialsTest {

  @Test
  void redactTakesTheUserInfoOutOfEveryUrlInAText() {
    assertThat(Credentials.redact("cannot download https://ci:s3cr3t@mirror.example/alpine/main/x86_64/APKINDEX.tar.gz: HTTP 500"))
        .isEqualTo("cannot download https://mirror.example/alpine/main/x86_64/APKINDEX.tar.gz: HTTP 500");
    assertThat(Credentials.redact("a http://u@h:8080/x and https://u:p@ss@h/y, 'file://x@y/z'"))
        .isEqualTo("a http://h:8080/x and https://h/y, 'file://y/z'");
    assertThat(Credentials.redact("pkg@edge https://host/path user@example.org")).isEqualTo("pkg@edge https://host/path user@example.org");
    assertThat(Credentials.redact(null)).isNull();
  }

  @Test
  void aUrlsCredentialsArePercentDecodedAndStrippedFromIt() {
    URI uri = URI.create("https://ci%40corp:p%3Ass%2Fw@mirror.example:8443/alpine/main/x86_64/a%2Bb.apk");
    assertThat(Credentials.of(uri)).isEqualTo(new Credentials("ci@corp", "p:ss/w"));
    assertThat(Credentials.strip(uri)).hasToString("https://mirror.example:8443/alpine/main/x86_64/a%2Bb.apk");
    assertThat(Credentials.of(URI.create("https://mirror.example/"))).isNull();
    assertThat(new Credentials("ci", "s3cr3t").toString()).doesNotContain("s3cr3t");
  }

  @Test
  void aRepositoryKeepsItsCredentialsOutOfItsSpecAndUrls() {
    Repository r = Repository.parse("@private https://ci:s3cr3t@mirror.example/alpine/main/", null);
    assertThat(r.credentials()).isEqualTo(new Credentials("ci", "s3cr3t"));
    // spec is what goes to etc/apk/repositories, the lockfile and resolve --json
    assertThat(r.spec()).isEqualTo("@private https://mirror.example/alpine/main");
    assertThat(List.of(r.toString(), r.base().toString(), r.indexUri("x86_64").toString(),
        r.packageUri("x86_64", "a-1.0-r0.apk").toString())).noneMatch(s -> s.contains("s3cr3t") || s.contains("ci@"));
  }

  @Test
  void anInvalidRepositoryUrlIsRefusedWithoutShowingItsPassword() {
    assertThatThrownBy(() -> Repository.parse("https://ci:s3cr3t@mirror.example/alpine main", null))
        .isInstanceOf(ApkimgException.class).hasMessageStartingWith("repository 'https://mirror.example/alpine main' is not a valid URL")
        .message().doesNotContain("s3cr3t");
    assertThatThrownBy(() -> Repository.parse("https://ci:p@ss@mirror.example/alpine/main", null))
        .isInstanceOf(ApkimgException.class)
        .hasMessage("repository 'https://mirror.example/alpine/main' is not a valid URL: it names no host"
            + " (write '@' in a user name or password as %40)");
  }

  @Test
  void aKeyUrlsPasswordIsNotShownWhenTheKeyCannotBeFetched() {
    Keyring keyring = Keyring.of(List.of("http://ci:s3cr3t@127.0.0.1:1/keys/test.rsa.pub"), null,
        new RepositoryClient(RepositoryClient.Settings.defaults().withAttempts(1, java.time.Duration.ZERO, java.time.Duration.ZERO)), null);
    assertThatThrownBy(() -> keyring.find("test.rsa.pub")).isInstanceOf(ApkimgException.class)
        .hasMessageStartingWith("cannot fetch key http://127.0.0.1:1/keys/test.rsa.pub: cannot download http://127.0.0.1:1/keys/test.rsa.pub: ")
        .message().doesNotContain("s3cr3t");
  }
}
