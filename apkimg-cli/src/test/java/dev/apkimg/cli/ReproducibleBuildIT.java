package dev.apkimg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.testing.LoopbackHttpServer;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two builds of the same profile by the CLI jar in separate processes, with a different umask,
 * time zone, locale, host file modes and clock (a second apart), give the same bytes.
 */
class ReproducibleBuildIT {
  @TempDir Path tmp;

  @Test
  void sameDigestWhateverTheUmaskTimeZoneAndClock() throws Exception {
    Path jar = Path.of("target/apkimg.jar").toAbsolutePath();
    assertThat(jar).as("the CLI jar (mvn package makes it)").exists();
    Path keyFile = TestKeys.primary().writePublicKey(tmp.resolve("keys"));
    new TestRepository(TestKeys.primary())
        .add(TestPackage.builder("base", "1-r0").builddate(1_700_000_000L)
            .dir("etc").file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n").file("etc/group", "root:x:0:\n")
            .preInstall("#!/bin/sh\naddgroup -S app\n").build())
        .write(tmp.resolve("mirror/main"));
    try (LoopbackHttpServer server = LoopbackHttpServer.serve(tmp.resolve("mirror"))) {
      String profile = """
          archs: [x86_64]
          contents:
            repositories: [%smain]
            keyring: [%s]
            packages: [base]
          accounts:
            users: [{username: app, uid: 1000, gid: 101}]
            run-as: app
          files:
            - {source: conf, target: /etc/app}
          paths:
            - {type: directory, path: /data, uid: 1000, gid: 101}
          """.formatted(server.url(), keyFile);
      String first = build(jar, "a", profile, "077", "Pacific/Kiritimati", "rw-------", "");
      Thread.sleep(1100); // a different second on the clock: no time of the build may leak
      String second = build(jar, "b", profile, "022", "America/Los_Angeles", "rw-r--r--", "");
      assertThat(second).isEqualTo(first);
      assertThat(Files.readAllBytes(tmp.resolve("a/out.tar"))).isEqualTo(Files.readAllBytes(tmp.resolve("b/out.tar")));

      String epoch = build(jar, "c", profile, "022", "UTC", "rw-r--r--", "SOURCE_DATE_EPOCH=1234567890");
      assertThat(epoch).isNotEqualTo(first);
      assertThat(ImageReader.read(tmp.resolve("c/out.tar")).config().path("created").asText())
          .isEqualTo("2009-02-13T23:31:30Z");
    }
  }

  /** Builds in its own directory (profile, host files, cache) under the given umask, TZ and host file mode. */
  private String build(Path jar, String dir, String profile, String umask, String tz, String hostMode, String env)
      throws Exception {
    Path d = tmp.resolve(dir);
    Files.createDirectories(d.resolve("conf/sub"));
    Files.writeString(d.resolve("conf/sub/z.conf"), "z\n");
    Files.writeString(d.resolve("conf/a.conf"), "a\n");
    Files.setPosixFilePermissions(d.resolve("conf/a.conf"), PosixFilePermissions.fromString(hostMode));
    Files.writeString(d.resolve("p.yaml"), profile, StandardCharsets.UTF_8);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String command = "umask " + umask + "; cd " + d + " && env TZ=" + tz + " LC_ALL=C " + env + " '" + java + "' -jar '"
        + jar + "' build p.yaml -o out.tar --cache-dir cache -q";
    Processes.Output o = Processes.exec(tmp, "sh", "-c", command).assertSuccess();
    return o.out().strip();
  }
}
