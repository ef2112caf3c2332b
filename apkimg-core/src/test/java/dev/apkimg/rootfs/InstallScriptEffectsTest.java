package dev.apkimg.rootfs;

import static dev.apkimg.rootfs.Layers.read;
import static dev.apkimg.rootfs.Layers.resource;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.testing.TestPackage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Install-script lines carried out on the image. Expected account lines come from real runs of
 * Alpine 3.20's busybox 1.36.1: apk-oracle installing busybox and alpine-baselayout (klogd), and
 * the commands of {@link #busyboxAllocatesIdsAndHomesAsBusyboxDoes} run in the 3.20.3 minirootfs.
 */
class InstallScriptEffectsTest {
  /** {@link Layers#TIMESTAMP} in days: shadow's "last changed" field. */
  private static final long DAY = Layers.TIMESTAMP / 86400;

  @TempDir Path tmp;

  private static TestPackage.Builder baselayoutData() throws Exception {
    return TestPackage.builder("alpine-baselayout-data", "3.6.5-r0")
        .dir("etc").dir("home").dir("var").dir("var/lib")
        .file("etc/passwd", resource("passwd"))
        .file("etc/group", resource("group"))
        .file("etc/shadow", resource("shadow").getBytes(StandardCharsets.UTF_8), 0640);
  }

  private static ScriptReport report(LayerResult r, String script) {
    return r.scripts().stream().filter(s -> s.script().equals(script)).findFirst().orElseThrow();
  }

  @Test
  void alpineBusyboxAndBaselayoutScriptsGiveWhatApkGives() throws Exception {
    TestPackage data = baselayoutData().build();
    TestPackage busybox = TestPackage.builder("busybox", "1.36.1-r29")
        .dir("bin").file("bin/busybox", "ELF".getBytes(StandardCharsets.UTF_8), 0755)
        .dir("etc/busybox-paths.d").file("etc/busybox-paths.d/busybox", "bin/sh\nsbin/adduser\n")
        .postInstall(resource("busybox.post-install")).build();
    TestPackage baselayout = TestPackage.builder("alpine-baselayout", "3.6.5-r0").dir("etc")
        .preInstall(resource("alpine-baselayout.pre-install"))
        .postInstall(resource("alpine-baselayout.post-install")).build();
    LayerResult result = Layers.write(tmp, List.of(), data, busybox, baselayout);
    Map<String, Layers.Item> layer = read(result.file());

    // What apk-oracle's install of busybox + alpine-baselayout added (its date was the day of the run).
    assertThat(layer.get("etc/passwd").text()).isEqualTo(resource("passwd") + "klogd:x:100:101:klogd:/dev/null:/sbin/nologin\n");
    assertThat(layer.get("etc/group").text()).isEqualTo(resource("group") + "klogd:x:101:klogd\n");
    assertThat(layer.get("etc/shadow").text()).isEqualTo(resource("shadow") + "klogd:!:" + DAY + ":0:99999:7:::\n");
    assertThat(layer.get("etc/shadow").mode()).isEqualTo(0640);
    assertThat(layer.get("etc/shadow").owner()).isEqualTo("0:42"); // chown root:shadow etc/shadow
    assertThat(layer.get("usr/sbin").entry().isDirectory()).isTrue(); // busybox mkdir -p

    assertThat(report(result, "busybox-1.36.1-r29.post-install").notCarriedOut()).isEmpty();
    assertThat(report(result, "alpine-baselayout-3.6.5-r0.pre-install").carriedOut())
        .containsExactly("addgroup -S -g 42 shadow 2>/dev/null"); // fails as in apk: gid 42 is taken
    ScriptReport post = report(result, "alpine-baselayout-3.6.5-r0.post-install");
    assertThat(post.carriedOut()).containsExactly("chown root:shadow etc/shadow",
        "[ -e etc/shadow- ] && chown root:shadow etc/shadow-");
    assertThat(post.notCarriedOut()).containsExactly(
        "case \"$(readlink etc/profile.d/color_prompt.sh 2>/dev/null || true)\" in",
        "color_prompt) ln -sf color_prompt.sh.disabled etc/profile.d/color_prompt.sh;;", "esac");
    assertThat(result.skippedScripts()).containsExactly("alpine-baselayout-3.6.5-r0.post-install");
  }

  @Test
  void preInstallAddgroupMakesTheGroup() throws Exception {
    TestPackage base = TestPackage.builder("base", "1-r0").dir("etc")
        .file("etc/group", "root:x:0:root\nusers:x:100:games\n").file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n").build();
    TestPackage docker = TestPackage.builder("docker", "26.1.5-r0").depends("base")
        .dir("usr").dir("usr/bin").file("usr/bin/dockerd", "d")
        .preInstall("#!/bin/sh\n\naddgroup -S docker 2>/dev/null\nexit 0\n").build();
    LayerResult result = Layers.write(tmp, List.of(), base, docker);
    assertThat(read(result.file()).get("etc/group").text()).isEqualTo("root:x:0:root\nusers:x:100:games\ndocker:x:101:\n");
    assertThat(result.scripts()).containsExactly(
        new ScriptReport("docker-26.1.5-r0.pre-install", List.of("addgroup -S docker 2>/dev/null"), List.of()));
  }

  @Test
  void busyboxAllocatesIdsAndHomesAsBusyboxDoes() throws Exception {
    TestPackage data = baselayoutData().build();
    TestPackage users = TestPackage.builder("users", "1-r0").dir("etc")
        .postInstall("""
            #!/bin/sh
            addgroup -S docker
            addgroup -S docker
            addgroup -S -g 42 shadow2
            adduser -S foo
            adduser -D bar
            adduser -S -D -H -G docker -h /var/lib/svc -s /bin/sh -g "Svc user" svc
            adduser -S -D -G docker -h /var/lib/svc2 svc2
            adduser -S -u 1234 -D withuid
            addgroup bar docker
            addgroup bar docker
            addgroup -g 2000 grp
            addgroup grp
            adduser -D -u 2000 cl
            adduser -D -G grp member1
            """).build();
    LayerResult result = Layers.write(tmp, List.of(), data, users);
    Map<String, Layers.Item> layer = read(result.file());
    // Exactly what the same commands did in Alpine 3.20.3's minirootfs (busybox 1.36.1).
    assertThat(layer.get("etc/passwd").text()).isEqualTo(resource("passwd") + """
        foo:x:100:65533:Linux User,,,:/home/foo:/sbin/nologin
        bar:x:1000:1000:Linux User,,,:/home/bar:/bin/sh
        svc:x:101:101:Svc user:/var/lib/svc:/bin/sh
        svc2:x:102:101:Linux User,,,:/var/lib/svc2:/sbin/nologin
        withuid:x:1234:65533:Linux User,,,:/home/withuid:/sbin/nologin
        member1:x:1001:2000:Linux User,,,:/home/member1:/bin/sh
        """);
    assertThat(layer.get("etc/group").text()).isEqualTo(resource("group").replace("nogroup:x:65533:\n", "nogroup:x:65533:foo,withuid\n") + """
        docker:x:101:svc,svc2,bar
        bar:x:1000:
        grp:x:2000:member1
        """);
    assertThat(layer.get("etc/shadow").text()).endsWith("svc2:!:" + DAY + ":0:99999:7:::\nwithuid:!:" + DAY + ":0:99999:7:::\n"
        + "member1:!:" + DAY + ":0:99999:7:::\n");
    assertThat(layer.get("home/foo").mode()).isEqualTo(02755);
    assertThat(layer.get("home/foo").owner()).isEqualTo("100:65533");
    assertThat(layer.get("home/bar").owner()).isEqualTo("1000:1000");
    assertThat(layer.get("home/member1").owner()).isEqualTo("1001:2000");
    assertThat(layer.get("home/withuid").owner()).isEqualTo("1234:65533");
    assertThat(layer.get("var/lib/svc2").owner()).isEqualTo("102:101");
    assertThat(layer.get("var/lib/svc2").mode()).isEqualTo(02755);
    assertThat(layer).doesNotContainKey("var/lib/svc"); // -H
    assertThat(result.skippedScripts()).isEmpty();
  }

  @Test
  void chownOfAShippedFileKeepsItsBytesAndPlace() throws Exception {
    TestPackage base = TestPackage.builder("base", "1-r0").dir("etc")
        .file("etc/group", "root:x:0:\nwww:x:82:\n").file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nwww:x:82:82::/var/www:/sbin/nologin\n").build();
    TestPackage web = TestPackage.builder("web", "1-r0").depends("base")
        .dir("var").dir("var/www").file("var/www/index.html", "<h1>hi</h1>")
        .dir("var/www/cache", 0700)
        .postInstall("#!/bin/sh\nchown -R www:www var/www/cache\nchown www /var/www/index.html\nchmod 640 var/www/index.html\n"
            + "echo done\nif [ -d /run ]; then\n  adduser -S x\nfi\nchown nosuchuser var/www\n")
        .build();
    LayerResult result = Layers.write(tmp, List.of(), base, web);
    Map<String, Layers.Item> layer = read(result.file());
    assertThat(layer.get("var/www/index.html").text()).isEqualTo("<h1>hi</h1>");
    assertThat(layer.get("var/www/index.html").owner()).isEqualTo("82:0");
    assertThat(layer.get("var/www/index.html").mode()).isEqualTo(0640);
    assertThat(layer.get("var/www/cache").owner()).isEqualTo("82:82");
    assertThat(layer.get("var/www/cache").mode()).isEqualTo(0700);
    assertThat(layer.get("var/www").owner()).isEqualTo("0:0");
    // Shipped entries keep their place: the package's order, not the end of the layer.
    List<String> order = List.copyOf(layer.keySet());
    assertThat(order.indexOf("var/www/index.html")).isLessThan(order.indexOf("etc/apk/world"));
    ScriptReport r = result.scripts().get(0);
    assertThat(r.notCarriedOut()).containsExactly("echo done", "if [ -d /run ]; then", "adduser -S x", "fi");
    assertThat(r.carriedOut()).contains("chown nosuchuser var/www"); // fails, as busybox's would
    assertThat(read(result.file()).get("etc/passwd").text()).doesNotContain("x:100");
  }
}
