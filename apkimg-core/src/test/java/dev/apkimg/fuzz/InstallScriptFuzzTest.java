package dev.apkimg.fuzz;

import dev.apkimg.ApkimgException;
import dev.apkimg.apk.ApkIndexReader;
import dev.apkimg.apk.PackageInfo;
import dev.apkimg.rootfs.LayerWriter;
import dev.apkimg.rootfs.PackageSource;
import dev.apkimg.rootfs.RootfsSpec;
import dev.apkimg.testing.BuiltApk;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.rootfs.LayerResult;
import dev.apkimg.rootfs.ScriptReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Install scripts: a package's {@code .pre-install}/{@code .post-install} come from outside and
 * apkimg carries out the lines it understands (addgroup, adduser, chown, chmod, mkdir, ln, test).
 * Whatever the script, the layer is written (lines not understood are reported) or the build is
 * refused with {@link IOException} or {@link ApkimgException}.
 */
class InstallScriptFuzzTest {
  @TempDir
  Path tmp;

  private static final String[] SCRIPT_WORDS = {"addgroup -S -g 42 shadow", "addgroup -S app", "addgroup app app",
      "addgroup -g 99999999999999999999 big", "addgroup -g -1 neg", "addgroup -g abc x", "adduser -S -D -H app",
      "adduser -S -D -H -h /var/empty -s /sbin/nologin -G app -g app app", "adduser -u 4294967296 u",
      "adduser -u x u", "adduser -G missing u", "adduser -D root", "adduser -S -D a:b", "adduser -S -D 'a\nb'",
      "chown root:shadow etc/shadow", "chown 1:2 etc/passwd", "chown -R app:app var", "chown nobody: etc",
      "chown :x etc", "chown 99999999999:0 etc", "chmod 0640 etc/shadow", "chmod u+s etc", "chmod 99999 etc",
      "chmod -R 755 var", "chmod 4755 ../../x", "mkdir -p usr/sbin", "mkdir -p ../../escape", "mkdir -m 700 d",
      "mkdir /abs", "ln -sf a b", "ln -s ../../../etc/passwd evil", "ln a b", "ln -s", "[ -e etc/shadow- ] && chown root:shadow etc/shadow-",
      "[ -d var ] || mkdir var", "test -f x", "[ ]", "[", "true", "false", "exit 0", "exit", "set -e", ":",
      "if true; then", "fi", "cat <<EOF", "EOF", "f() {", "}", "'", "\"", "\\", ";", "&&", "||", "2>/dev/null",
      ">/dev/null 2>&1", "$(id)", "`id`", "*", "~", "\u0000", "etc/../..", "."};

  private static final List<byte[]> SCRIPTS = Stream.of(
      "#!/bin/sh\naddgroup -S -g 42 shadow 2>/dev/null\nexit 0\n",
      "#!/bin/sh\naddgroup -S app 2>/dev/null\nadduser -S -D -H -h /var/empty -s /sbin/nologin -G app -g app app"
          + " 2>/dev/null\nexit 0\n",
      "#!/bin/sh\nchown root:shadow etc/shadow\n[ -e etc/shadow- ] && chown root:shadow etc/shadow-\n"
          + "mkdir -p usr/sbin\nln -sf ../bin/busybox usr/sbin/x\nchmod 0640 etc/shadow\n")
      .map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();

  private static final TestPackage BASE = TestPackage.builder("base", "1-r0").dir("etc").dir("var").dir("usr")
      .dir("bin").file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n")
      .file("etc/group", "root:x:0:root\nshadow:x:42:\nnobody:x:65534:\n")
      .file("etc/shadow", "root:*::0:::::\n".getBytes(StandardCharsets.UTF_8), 0640)
      .file("bin/busybox", "ELF").build();

  @Test
  void installScripts() throws Exception {
    Fuzzer.of("install-script", IOException.class, ApkimgException.class).run(SCRIPTS,
        (seed, r, corpus) -> Mutations.text(seed, r, corpus, SCRIPT_WORDS),
        input -> layer(new String(input, StandardCharsets.UTF_8)));
  }

  // An input the fuzzer found: a seed. Its second run of "ln -sf ../bin/busybox usr/sbin/x" (the
  // same lines as pre- and post-install) failed the build: "not a clean path inside the image:
  // usr/sbin/../bin/busybox", as would any script line testing or changing a relative symlink.
  @Test
  void relativeSymlinksWithDotDotAreFollowed() throws Exception {
    LayerResult r = layer("#!/bin/sh\nmkdir -p usr/sbin\nln -sf ../bin/busybox usr/sbin/x\n"
        + "[ -e usr/sbin/x ] && chmod 0700 usr/sbin/x\nln -sf ../../../bin/busybox usr/sbin/y\n"
        + "[ -f usr/sbin/y ] && chmod 0750 usr/sbin/y\n");
    ScriptReport post = r.scripts().stream().filter(s -> s.script().equals("scripted-1-r0.post-install"))
        .findFirst().orElseThrow();
    assertThat(post.carriedOut()).contains("[ -e usr/sbin/x ] && chmod 0700 usr/sbin/x",
        "[ -f usr/sbin/y ] && chmod 0750 usr/sbin/y");
    assertThat(post.notCarriedOut()).isEmpty();
  }

  /** The base package and one whose pre- and post-install are {@code script}, as one layer. */
  private LayerResult layer(String script) throws IOException {
    Path repo = tmp.resolve("repo");
    BuiltApk baseApk = BASE.writeApk(repo.resolve(BASE.fileName()), TestKeys.primary());
    TestPackage pkg = TestPackage.builder("scripted", "1-r0").depends("base").dir("var/lib")
        .preInstall(script).postInstall(script).build();
    BuiltApk apk = pkg.writeApk(repo.resolve(pkg.fileName()), TestKeys.primary());
    List<PackageInfo> index = ApkIndexReader.parse(new ByteArrayInputStream(
        TestRepository.apkindexText(List.of(baseApk, apk)).getBytes(StandardCharsets.UTF_8)));
    List<PackageSource> sources = List.of(new PackageSource(index.get(0), repo.resolve(BASE.fileName())),
        new PackageSource(index.get(1), repo.resolve(pkg.fileName())));
    return new LayerWriter(ApkIndexFuzzTest.TRUST_PRIMARY).write(sources,
        new RootfsSpec("x86_64", List.of("scripted"), List.of("/srv/repo"), Map.of(), 1700000000L),
        tmp.resolve("layer.tar.gz"));
  }
}
