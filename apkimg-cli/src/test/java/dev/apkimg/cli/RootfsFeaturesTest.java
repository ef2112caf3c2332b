package dev.apkimg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.testing.LoopbackHttpServer;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Profile {@code accounts}, {@code paths}, {@code files}, {@code include}, install scripts and timestamps, built by the CLI. */
class RootfsFeaturesTest {
  private static final long BUILD_DATE = 1_700_000_100L;

  @TempDir Path tmp;

  private LoopbackHttpServer server;
  private String header;

  @BeforeEach
  void setUp() throws IOException {
    Path keyFile = TestKeys.primary().writePublicKey(tmp.resolve("keys"));
    new TestRepository(TestKeys.primary())
        .add(TestPackage.builder("baselayout", "1-r0").builddate(1_700_000_000L)
            .dir("etc").dir("home").dir("var").dir("var/lib").dir("usr").dir("usr/bin")
            .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n")
            .file("etc/group", "root:x:0:root\nusers:x:100:\nnobody:x:65534:\n")
            .file("etc/shadow", "root:*::0:::::\n".getBytes(StandardCharsets.UTF_8), 0640)
            .file("usr/bin/app", "#!/bin/sh\necho app\n".getBytes(StandardCharsets.UTF_8), 0755).build())
        .add(TestPackage.builder("docker", "1-r0").builddate(BUILD_DATE).depends("baselayout")
            .file("usr/bin/dockerd", "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8), 0755)
            .preInstall("#!/bin/sh\naddgroup -S docker 2>/dev/null\necho hello\nexit 0\n").build())
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

  private Path profile(String name, String yaml) throws IOException {
    Path p = tmp.resolve(name);
    Files.createDirectories(p.getParent());
    Files.writeString(p, yaml);
    return p;
  }

  private Output build(Path profile, String... extra) {
    List<String> args = new ArrayList<>(List.of("build", profile.toString(), "-o", tmp.resolve("out.tar").toString(),
        "--cache-dir", tmp.resolve("cache").toString()));
    args.addAll(List.of(extra));
    Processes.Output o = Processes.apkimg(args);
    return new Output(o.code(), o.out(), o.err());
  }

  record Output(int code, String out, String err) {}

  private ImageReader image() throws IOException {
    return ImageReader.read(tmp.resolve("out.tar"));
  }

  @Test
  void preInstallAddgroupAndScriptReport() throws IOException {
    Path p = profile("p.yaml", header + "  packages: [docker]\n");
    Output r = build(p);
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(image().get("etc/group").text()).isEqualTo("root:x:0:root\nusers:x:100:\nnobody:x:65534:\ndocker:x:101:\n");
    assertThat(r.err()).contains("docker-1-r0: 1 install-script line not carried out (1 carried out); --verbose lists them")
        .doesNotContain("echo hello");
    Output verbose = build(p, "--verbose");
    assertThat(verbose.err()).contains("docker-1-r0.pre-install: not carried out: echo hello")
        .contains("docker-1-r0.pre-install: carried out: addgroup -S docker 2>/dev/null");
  }

  @Test
  void accountsAndRunAs() throws IOException {
    Path p = profile("p.yaml", header + """
          packages: [docker]
        accounts:
          groups:
            - groupname: app
              gid: 1000
              members: [svc]
          users:
            - username: svc
              uid: 1000
              gid: 1000
              shell: /sbin/nologin
              homedir: /var/lib/svc
            - username: plain
              uid: 1001
          run-as: svc
        """);
    Output r = build(p);
    assertThat(r.code()).as(r.err()).isZero();
    ImageReader img = image();
    assertThat(img.get("etc/group").text()).endsWith("docker:x:101:\napp:x:1000:svc\n");
    assertThat(img.get("etc/passwd").text()).endsWith("""
        nobody:x:65534:65534:nobody:/:/sbin/nologin
        svc:x:1000:1000::/var/lib/svc:/sbin/nologin
        plain:x:1001:1001::/home/plain:/bin/sh
        """);
    long day = BUILD_DATE / 86400;
    assertThat(img.get("etc/shadow").text()).isEqualTo("root:*::0:::::\nsvc:!:" + day + ":0:99999:7:::\nplain:!:" + day + ":0:99999:7:::\n");
    assertThat(img.get("etc/shadow").mode()).isEqualTo(0640);
    assertThat(img.get("var/lib/svc").owner()).isEqualTo("1000:1000");
    assertThat(img.get("var/lib/svc").mode()).isEqualTo(0755);
    assertThat(img.get("home/plain").owner()).isEqualTo("1001:1001");
    assertThat(img.config().path("config").path("User").asText()).isEqualTo("1000:1000");

    Path numeric = profile("n.yaml", header + "  packages: [baselayout]\naccounts:\n  run-as: 65534\n");
    assertThat(build(numeric).code()).isZero();
    assertThat(image().config().path("config").path("User").asText()).isEqualTo("65534:65534");
  }

  @Test
  void duplicateIdsAndUnknownRunAsAreErrors() throws IOException {
    Path p = profile("dup.yaml", header + """
          packages: [baselayout]
        accounts:
          users:
            - username: a
              uid: 1000
            - username: b
              uid: 1000
        """);
    Output r = build(p);
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains(p + ":11:7: duplicate uid 1000 (first at " + p + ":9:7)");

    Path g = profile("dupg.yaml", header + "  packages: [baselayout]\naccounts:\n  groups:\n"
        + "    - {groupname: x, gid: 5}\n    - {groupname: x, gid: 6}\n");
    assertThat(build(g).err()).contains(g + ":9:8: duplicate group name 'x'");

    Path taken = profile("taken.yaml", header + "  packages: [baselayout]\naccounts:\n  groups:\n"
        + "    - {groupname: staff, gid: 100}\n");
    assertThat(build(taken).err()).contains("gid 100 of 'staff' is already group 'users' in the image");

    Path unknown = profile("u.yaml", header + "  packages: [baselayout]\naccounts:\n  run-as: nosuch\n");
    Output u = build(unknown);
    assertThat(u.code()).isEqualTo(1);
    assertThat(u.err()).contains("accounts.run-as: user nosuch is not in the image's etc/passwd");
  }

  @Test
  void paths() throws IOException {
    Path p = profile("p.yaml", header + """
          packages: [baselayout]
        paths:
          - {type: directory, path: /data/cache/x, permissions: 0o2775, uid: 1000, gid: 1000}
          - {type: directory, path: /data, permissions: 0750, uid: 7, gid: 8, recursive: true}
          - {type: empty-file, path: /etc/flag, permissions: 0600, uid: 3}
          - {type: symlink, path: /usr/bin/app2, source: app}
          - {type: hardlink, path: /usr/bin/app3, source: /usr/bin/app}
          - {type: permissions, path: /usr/bin/app, permissions: 04755}
          - {type: directory, path: /tmp/sticky, permissions: 01777}
        """);
    Output r = build(p);
    assertThat(r.code()).as(r.err()).isZero();
    ImageReader img = image();
    assertThat(img.get("data").mode()).isEqualTo(0750);
    assertThat(img.get("data/cache").mode()).isEqualTo(0750); // recursive: directories below too
    assertThat(img.get("data/cache/x").owner()).isEqualTo("7:8");
    assertThat(img.get("etc/flag").content()).isEmpty();
    assertThat(img.get("etc/flag").mode()).isEqualTo(0600);
    assertThat(img.get("etc/flag").owner()).isEqualTo("3:0");
    assertThat(img.get("usr/bin/app2").header().isSymbolicLink()).isTrue();
    assertThat(img.get("usr/bin/app2").header().getLinkName()).isEqualTo("app");
    assertThat(img.get("usr/bin/app3").header().isLink()).isTrue();
    assertThat(img.get("usr/bin/app3").header().getLinkName()).isEqualTo("usr/bin/app");
    assertThat(img.get("usr/bin/app").mode()).isEqualTo(04755);
    assertThat(img.get("usr/bin/app").text()).isEqualTo("#!/bin/sh\necho app\n");
    assertThat(img.get("tmp/sticky").mode()).isEqualTo(01777);
    List<String> order = List.copyOf(img.layer().keySet());
    assertThat(order.indexOf("usr/bin/app")).isLessThan(order.indexOf("usr/bin/app3"));

    Path bad = profile("bad.yaml", header + "  packages: [baselayout]\npaths:\n  - {type: fifo, path: /x}\n");
    assertThat(build(bad).err()).contains(bad + ":7:").contains("type must be one of directory, empty-file");
    Path badMode = profile("badmode.yaml", header + "  packages: [baselayout]\npaths:\n  - {type: directory, path: /x, permissions: 0999}\n");
    assertThat(build(badMode).err()).contains(badMode + ":7:").contains("permissions must be octal");
    Path missing = profile("missing.yaml", header + "  packages: [baselayout]\npaths:\n  - {type: permissions, path: /nope, permissions: 0600}\n");
    assertThat(build(missing).err()).contains("paths: permissions of /nope: it does not exist in the image");
  }

  @Test
  void filesAreCopiedDeterministically() throws IOException {
    Path conf = tmp.resolve("proj/conf");
    Files.createDirectories(conf.resolve("sub"));
    Files.writeString(conf.resolve("b.txt"), "b\n");
    Files.writeString(conf.resolve("a.txt"), "a\n");
    Files.writeString(conf.resolve("sub/run.sh"), "#!/bin/sh\n");
    Files.setPosixFilePermissions(conf.resolve("sub/run.sh"), PosixFilePermissions.fromString("rwx------"));
    Files.setPosixFilePermissions(conf.resolve("a.txt"), PosixFilePermissions.fromString("rw-------"));
    Files.createSymbolicLink(conf.resolve("link"), Path.of("a.txt"));
    Files.writeString(tmp.resolve("proj/single.txt"), "single\n");
    Path p = profile("proj/p.yaml", header + """
          packages: [baselayout]
        files:
          - {source: conf, target: /etc/app, uid: 1000, gid: 1000}
          - {source: single.txt, target: /etc/single.txt, permissions: 0600}
          - {source: single.txt, target: /opt/}
        """);
    Output r = build(p, "--source-date-epoch", "1600000000");
    assertThat(r.code()).as(r.err()).isZero();
    ImageReader img = image();
    assertThat(img.get("etc/app").owner()).isEqualTo("1000:1000");
    assertThat(img.get("etc/app/a.txt").text()).isEqualTo("a\n");
    assertThat(img.get("etc/app/a.txt").mode()).isEqualTo(0644); // the host's 0600 does not leak
    assertThat(img.get("etc/app/a.txt").owner()).isEqualTo("1000:1000");
    assertThat(img.get("etc/app/sub/run.sh").mode()).isEqualTo(0755);
    assertThat(img.get("etc/app/link").header().getLinkName()).isEqualTo("a.txt");
    assertThat(img.get("etc/single.txt").mode()).isEqualTo(0600);
    assertThat(img.get("etc/single.txt").owner()).isEqualTo("0:0");
    assertThat(img.get("opt/single.txt").text()).isEqualTo("single\n");
    assertThat(img.get("etc/app/a.txt").header().getModTime().getTime()).isEqualTo(1_600_000_000_000L);
    assertThat(img.get("etc/app/a.txt").header().getUserName()).isEmpty();
    List<String> order = List.copyOf(img.layer().keySet());
    assertThat(order).containsSubsequence("etc/app", "etc/app/a.txt", "etc/app/b.txt", "etc/app/link", "etc/app/sub",
        "etc/app/sub/run.sh");

    Path gone = profile("proj/gone.yaml", header + "  packages: [baselayout]\nfiles:\n  - {source: nope, target: /x}\n");
    assertThat(build(gone).err()).contains(gone + ":7:").contains("does not exist");
  }

  @Test
  void includeMergesAndReportsCycles() throws IOException {
    profile("inc/base.yaml", header + """
          packages: [baselayout]
        work-dir: /base
        environment: {A: base, B: base}
        accounts:
          groups: [{groupname: app, gid: 1000}]
        files:
          - {source: motd, target: /etc/motd}
        """);
    Files.writeString(tmp.resolve("inc/motd"), "hi\n");
    Path top = profile("top.yaml", """
        include: inc/base.yaml
        contents:
          packages: [docker]
        work-dir: /top
        environment: {B: top}
        accounts:
          users: [{username: svc, uid: 1000}]
          run-as: svc
        """);
    Output r = build(top);
    assertThat(r.code()).as(r.err()).isZero();
    ImageReader img = image();
    assertThat(img.config().path("config").path("WorkingDir").asText()).isEqualTo("/top");
    assertThat(img.config().path("config").path("Env").toString()).contains("A=base").contains("B=top");
    assertThat(img.config().path("config").path("User").asText()).isEqualTo("1000:1000");
    assertThat(img.get("etc/group").text()).contains("app:x:1000:\n").contains("docker:x:101:");
    assertThat(img.get("etc/motd").text()).isEqualTo("hi\n"); // source relative to the included file
    String installed = img.get("lib/apk/db/installed").text();
    assertThat(installed).contains("P:baselayout\n").contains("P:docker\n");
    assertThat(img.get("etc/apk/world").text()).isEqualTo("baselayout\ndocker\n");

    Path a = profile("cyc/a.yaml", "include: [b.yaml]\ncontents:\n  packages: [x]\n");
    Path b = profile("cyc/b.yaml", "include: [a.yaml]\n");
    Output c = build(a);
    assertThat(c.code()).isEqualTo(1);
    assertThat(c.err()).contains(b + ":1:11: include cycle: " + a.toAbsolutePath() + " -> " + b.toAbsolutePath()
        + " -> " + a.toAbsolutePath());

    Path dupAcross = profile("inc2.yaml", "include: inc/base.yaml\naccounts:\n  groups: [{groupname: other, gid: 1000}]\n");
    assertThat(build(dupAcross).err()).contains(dupAcross + ":3:").contains("duplicate gid 1000 (first at "
        + tmp.resolve("inc/base.yaml"));
  }

  @Test
  void sourceDateEpochClampsEveryEntryAndTheCreationTime() throws IOException {
    Path p = profile("p.yaml", header + "  packages: [docker]\n");
    assertThat(build(p, "--source-date-epoch", "1500000000").code()).isZero();
    ImageReader img = image();
    assertThat(img.layer().values()).allMatch(e -> e.header().getModTime().getTime() <= 1_500_000_000_000L);
    assertThat(img.get("etc/apk/world").header().getModTime().getTime()).isEqualTo(1_500_000_000_000L);
    assertThat(img.config().path("created").asText()).isEqualTo("2017-07-14T02:40:00Z");

    assertThat(build(p).code()).isZero();
    assertThat(image().config().path("created").asText()).isEqualTo("2023-11-14T22:15:00Z"); // newest build date
    assertThat(build(p, "--source-date-epoch", "-5").code()).isEqualTo(1); // one line naming the flag and the range
  }

  @Test
  void layeringFlagOverridesTheProfileAndSingleIsTheDefaultImage() throws IOException {
    Path plain = profile("plain.yaml", header + "  packages: [docker]\n");
    assertThat(build(plain, "--tag", "t:1").code()).isZero();
    byte[] defaultImage = Files.readAllBytes(tmp.resolve("out.tar"));
    assertThat(build(plain, "--tag", "t:1", "--layering", "single").code()).isZero();
    assertThat(Files.readAllBytes(tmp.resolve("out.tar"))).isEqualTo(defaultImage);

    Path layered = profile("layered.yaml", header + "  packages: [docker]\nlayering: {strategy: packages, budget: 5}\n");
    assertThat(build(layered, "--tag", "t:1").code()).isZero();
    assertThat(Files.readAllBytes(tmp.resolve("out.tar"))).isNotEqualTo(defaultImage); // package layers under it
    assertThat(build(layered, "--tag", "t:1", "--layering", "single").code()).isZero(); // the flag wins over the profile
    assertThat(Files.readAllBytes(tmp.resolve("out.tar"))).isEqualTo(defaultImage);

    Output bad = build(plain, "--layering", "origin");
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.err()).contains("--layering: layering strategy 'origin' (apko's) is not supported yet");
    assertThat(build(plain, "--layering", "nine").err()).contains("--layering: layering strategy must be 'packages' or 'single', not 'nine'");
  }
}
