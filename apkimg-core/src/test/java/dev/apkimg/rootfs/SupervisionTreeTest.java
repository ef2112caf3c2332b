package dev.apkimg.rootfs;

import static dev.apkimg.rootfs.Layers.read;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.testing.TestPackage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The s6 supervision tree of {@code entrypoint.services}, as apko writes it. */
class SupervisionTreeTest {
  @TempDir Path tmp;

  @Test
  void eachServiceHasARunScriptUnderSv() throws Exception {
    TestPackage s6 = TestPackage.builder("s6", "2-r0").dir("bin")
        .file("bin/s6-svscan", "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8), 0755).build();
    Map<String, Layers.Item> layer = read(Layers.write(tmp, List.of(new SupervisionTree(Map.of(
        "nginx", "/usr/sbin/nginx -c /etc/nginx/nginx.conf -g \"daemon off;\"",
        "php-fpm", "php-fpm83 -F"))), s6).file());

    assertThat(layer.get("sv/nginx/run").text())
        .isEqualTo("#!/bin/execlineb\n/usr/sbin/nginx -c /etc/nginx/nginx.conf -g \"daemon off;\"\n");
    assertThat(layer.get("sv/nginx/run").mode()).isEqualTo(0755);
    assertThat(layer.get("sv/nginx/run").owner()).isEqualTo("0:0");
    assertThat(layer.get("sv/php-fpm/run").text()).isEqualTo("#!/bin/execlineb\nphp-fpm83 -F\n");
    // Writable for s6's state also when the image runs as another user, as apko makes them.
    assertThat(layer.get("sv").mode()).isEqualTo(0777);
    assertThat(layer.get("sv/nginx").mode()).isEqualTo(0777);
    assertThat(layer.get("sv/nginx").entry().isDirectory()).isTrue();
  }

  @Test
  void anSvThatIsNotAFolderIsAnError() throws Exception {
    TestPackage odd = TestPackage.builder("odd", "1-r0").file("sv", "a file\n").build();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Layers.write(tmp,
        List.of(new SupervisionTree(Map.of("web", "/bin/web"))), odd))
        .isInstanceOf(dev.apkimg.ApkimgException.class).hasMessageContaining("/sv");
  }
}
