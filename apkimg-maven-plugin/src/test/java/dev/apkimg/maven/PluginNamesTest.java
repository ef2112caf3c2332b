package dev.apkimg.maven;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.ApkimgException;
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
  void coreMessagesNameThePluginsParameterNotACliFlag() {
    assertThat(MavenMessages.render("cannot push to r:5000/a: refused (a registry on plain HTTP needs --allow-insecure-registry)"))
        .isEqualTo("cannot push to r:5000/a: refused (a registry on plain HTTP needs "
            + "<allowInsecureRegistries> (-Dapkimg.allowInsecureRegistries=true))");
  }

  @Test
  void theCauseMavenPrintsCarriesTheRewordedMessageToo() {
    Exception core = new ApkimgException("plain HTTP needs --allow-insecure-registry", new java.io.IOException("refused"));
    Throwable cause = MavenMessages.rendered(core);
    assertThat(cause.getMessage()).isEqualTo(
        "plain HTTP needs <allowInsecureRegistries> (-Dapkimg.allowInsecureRegistries=true)");
    assertThat(cause.getCause()).isSameAs(core.getCause());
    Exception plain = new ApkimgException("profile x.yaml does not exist");
    assertThat(MavenMessages.rendered(plain)).isSameAs(plain);
  }
}
