package dev.apkimg.maven;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.ApkimgException;
import dev.apkimg.Hint;
import dev.apkimg.api.BuildEvent;
import org.junit.jupiter.api.Test;

/** The names a Maven user reads: tags as they wrote the image, core messages in the plugin's words. */
class PluginNamesTest {
  @Test
  void aTagReplacesTheImagesTagAsWritten() {
    assertThat(AbstractApkimgMojo.withTag("app:1.0", "latest")).isEqualTo("app:latest");
    assertThat(AbstractApkimgMojo.withTag("127.0.0.1:5000/it/app", "2")).isEqualTo("127.0.0.1:5000/it/app:2");
    assertThat(AbstractApkimgMojo.withTag("127.0.0.1:5000/it/app:1.0", "2")).isEqualTo("127.0.0.1:5000/it/app:2");
    assertThat(AbstractApkimgMojo.withTag("r.example/app@sha256:" + "a".repeat(64), "2")).isEqualTo("r.example/app:2");
  }

  @Test
  void aHintIsRenderedAsThePluginsParameter() {
    ApkimgException core = new ApkimgException("cannot push to r:5000/a: no trusted TLS connection; a registry on plain HTTP"
        + " needs to be allowed", Hint.ALLOW_INSECURE_REGISTRY);
    assertThat(MavenMessages.render(core)).isEqualTo("cannot push to r:5000/a: no trusted TLS connection; a registry on"
        + " plain HTTP needs to be allowed (<allowInsecureRegistries>, -Dapkimg.allowInsecureRegistries=true)");
    assertThat(MavenMessages.render(new ApkimgException("index x is unsigned: sign it, or accept it for this build",
        Hint.ALLOW_UNTRUSTED))).endsWith("accept it for this build (<allowUntrusted>, -Dapkimg.allowUntrusted=true)");
    assertThat(MavenMessages.render(new ApkimgException("key k is not trusted", Hint.ADD_KEY)))
        .isEqualTo("key k is not trusted (<keyring>, -Dapkimg.keyring)");
    for (Hint hint : Hint.values()) {
      assertThat(MavenMessages.suffix(hint)).as(hint.name()).doesNotContain("--");
    }
  }

  @Test
  void theCauseMavenPrintsCarriesTheRenderedMessageToo() {
    ApkimgException core = new ApkimgException("plain HTTP needs to be allowed", Hint.ALLOW_INSECURE_REGISTRY,
        new java.io.IOException("refused"));
    Throwable cause = MavenMessages.rendered(core);
    assertThat(cause.getMessage()).isEqualTo(
        "plain HTTP needs to be allowed (<allowInsecureRegistries>, -Dapkimg.allowInsecureRegistries=true)");
    assertThat(cause.getCause()).isSameAs(core.getCause());
    ApkimgException plain = new ApkimgException("profile x.yaml does not exist");
    assertThat(MavenMessages.rendered(plain)).isSameAs(plain);
  }

  @Test
  void eventsNameTheMavenWayToSeeMore() {
    assertThat(MavenMessages.line(new BuildEvent.ScriptLinesSkipped("busybox-1.36", 3, 1))).endsWith("; mvn -X lists them");
    assertThat(MavenMessages.line(new BuildEvent.Warning("index x is unsigned; accepted", Hint.ALLOW_UNTRUSTED)))
        .isEqualTo("index x is unsigned; accepted because of <allowUntrusted>");
  }
}
