package dev.apkimg.maven;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.maven.SampleBuilds.Run;
import dev.apkimg.testing.Digests;
import dev.apkimg.testing.Prerequisites;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * apkimg's own image as the release builds it: this repository's apkimg-image/pom.xml and
 * profiles/apkimg.yaml as they are (not copies), with the plugin and apkimg-cli from
 * target/it-repo (invoker:install). Only the repositories and keys change, as in every IT: the
 * fixture mirror for Alpine's main, and, because the fixtures hold no JRE, a repository made here
 * with a stand-in openjdk17-jre-headless: a {@code java} shell script at the JRE's path that prints
 * its arguments, depending on busybox so that the image has a shell, and on stand-ins of
 * java-cacerts and ca-certificates with Alpine's hook and trigger texts, so that the JRE's trust
 * store is made from the fixture mirror's CA bundle as apk would make it. The archive is then loaded
 * into the Docker daemon (DOCKER_HOST; .ci/run starts one) and run with {@code --network none}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApkimgImageIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String VERSION = SampleBuilds.VERSION;
  private static final String JAVA = "/usr/lib/jvm/java-17-openjdk/bin/java";
  private static final String JRE_CACERTS = "/usr/lib/jvm/java-17-openjdk/lib/security/cacerts";
  private static final String USER = "65532";

  private Path docker;
  private Path skopeo;
  private SampleBuilds samples;
  private final String image = "apkimg-it/apkimg-image-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + ":it";
  private boolean loaded;

  @BeforeAll
  void setUp() throws Exception {
    docker = Prerequisites.requireDockerDaemon();
    skopeo = Prerequisites.requireCommand("skopeo");
    samples = SampleBuilds.create("it-image");
  }

  @AfterAll
  void tearDown() throws Exception {
    try {
      if (loaded) {
        SampleBuilds.exec(List.of(docker.toString(), "image", "rm", "--force", image), 60);
      }
    } finally {
      if (samples != null) {
        samples.close();
      }
    }
  }

  @Test
  void theModuleBuildsTheCliOnTheJreProfileAndTheImageRunsJavaWithItsJarsAsANonRootUser() throws Exception {
    Path root = Path.of(System.getProperty("apkimg.it.root", "..")).toAbsolutePath().normalize();
    Path module = root.resolve("apkimg-image");
    assertThat(module.resolve("pom.xml")).as("the module that builds apkimg's image").isRegularFile();

    Path work = samples.work();
    TestRepository jre = new TestRepository(TestKeys.primary());
    jre.add(TestPackage.builder("openjdk17-jre-headless", "17.0.99-r0").arch("x86_64").builddate(1_700_000_000L)
        .depends("busybox", "java-cacerts")
        .dir("usr").dir("usr/lib").dir("usr/lib/jvm").dir("usr/lib/jvm/java-17-openjdk")
        .dir("usr/lib/jvm/java-17-openjdk/bin")
        .file(JAVA.substring(1), "#!/bin/sh\necho \"stand-in java $*\"\n".getBytes(StandardCharsets.UTF_8), 0755)
        // As in Alpine's JRE: the trust store is java-cacerts', written by its install hook only.
        .dir("usr/lib/jvm/java-17-openjdk/lib").dir("usr/lib/jvm/java-17-openjdk/lib/security")
        .symlink(JRE_CACERTS.substring(1), "/etc/ssl/certs/java/cacerts")
        .build());
    // Alpine's java-cacerts: only a hook, which update-ca-certificates (ca-certificates' trigger) runs.
    jre.add(TestPackage.builder("java-cacerts", "1.1-r0").arch("x86_64").builddate(1_700_000_000L)
        .depends("ca-certificates")
        .dir("etc").dir("etc/ssl").dir("etc/ssl/certs").dir("etc/ssl/certs/java")
        .dir("etc/ca-certificates").dir("etc/ca-certificates/update.d")
        .file("etc/ca-certificates/update.d/java-cacerts", ("#!/bin/sh\nexec trust extract --overwrite"
            + " --format=java-cacerts --filter=ca-anchors \\\n\t--purpose server-auth /etc/ssl/certs/java/cacerts\n")
            .getBytes(StandardCharsets.UTF_8), 0755)
        .preDeinstall("#!/bin/sh\nexec rm -f etc/ssl/certs/java/cacerts\n")
        .build());
    jre.add(TestPackage.builder("ca-certificates", "20240705-r0").arch("x86_64").builddate(1_700_000_000L)
        .depends("ca-certificates-bundle")
        .dir("etc").dir("etc/ca-certificates").dir("etc/ca-certificates/update.d")
        // update-ca-certificates rewrites the bundle from the certificates /etc/ca-certificates.conf names:
        // here the fixture bundle's, as one file
        .dir("etc/ssl").dir("etc/ssl/certs").dir("usr").dir("usr/share").dir("usr/share/ca-certificates")
        .dir("usr/share/ca-certificates/mozilla")
        .file("usr/share/ca-certificates/mozilla/fixture-bundle.crt", fixtureBundleBytes(samples.fixtures()
            .resolve("mirror/v3.20/main/x86_64/ca-certificates-bundle-20240705-r0.apk")), 0644)
        .file("etc/ca-certificates.conf", "mozilla/fixture-bundle.crt\n")
        .trigger("#!/bin/sh\n/usr/sbin/update-ca-certificates > /dev/null 2>&1\nexit 0\n",
            "/usr/share/ca-certificates", "/usr/local/share/ca-certificates", "/etc/ssl/certs",
            "/etc/ca-certificates/update.d")
        .build());
    Path standIn = work.resolve("stand-in/community");
    jre.write(standIn);
    Path standInKey = TestKeys.primary().writePublicKey(work.resolve("stand-in-keys"));

    // The build directory moves out of the source tree: a fixture image must never sit where the real one goes.
    Path out = work.resolve("apkimg-image-target");
    boolean hadTarget = Files.exists(module.resolve("target"));
    Run build = samples.mvnIn(module, "apkimg-image", "package", "-DskipTests",
        "-Dapkimg.image.directory=" + out,
        "-Dapkimg.repositories=" + samples.mirrorUrl() + "v3.20/main," + standIn,
        "-Dapkimg.keyring=" + samples.fixtures().resolve("keys/apkimg-test.rsa.pub") + "," + standInKey);
    assertThat(build.exit()).as(build.output()).isZero();
    if (!hadTarget) {
      assertThat(module.resolve("target")).as("nothing written into the source tree").doesNotExist();
    }

    Path tar = out.resolve("apkimg-image.tar");
    JsonNode metadata = JSON.readTree(out.resolve("apkimg-image.json").toFile());
    assertThat(metadata.path("tag").asText()).isEqualTo("ghcr.io/apkimg/apkimg:" + VERSION);
    assertThat(metadata.path("archive").asText()).isEqualTo(tar.toString());
    // The profile's packages (and what they depend on), nothing else.
    assertThat(metadata.path("images").path(0).path("packages").findValuesAsText("name"))
        .contains("openjdk17-jre-headless", "ca-certificates-bundle", "busybox", "musl")
        .doesNotContain("alpine-baselayout", "apk-tools");

    JsonNode config = JSON.readTree(exec(skopeo.toString(), "inspect", "--config", "oci-archive:" + tar)).path("config");
    List<String> entrypoint = texts(config.path("Entrypoint"));
    assertThat(entrypoint).as("entrypoint").hasSize(4);
    assertThat(entrypoint.get(0)).isEqualTo("java");
    assertThat(entrypoint.get(1)).isEqualTo("-cp");
    assertThat(entrypoint.get(3)).isEqualTo("dev.apkimg.cli.Main");
    List<String> classpath = List.of(entrypoint.get(2).split(":"));
    assertThat(classpath).startsWith("/app/resources", "/app/classes", "/app/libs/apkimg-cli-" + VERSION + ".jar");
    assertThat(texts(config.path("Cmd"))).isEmpty();
    assertThat(config.path("User").asText()).isEqualTo(USER + ":" + USER);
    assertThat(config.path("WorkingDir").asText()).isEqualTo("/work");
    assertThat(texts(config.path("Env"))).contains("JAVA_HOME=/usr/lib/jvm/java-17-openjdk")
        .anyMatch(e -> e.startsWith("PATH=/usr/lib/jvm/java-17-openjdk/bin:"));
    JsonNode labels = config.path("Labels");
    assertThat(labels.path("org.opencontainers.image.version").asText()).isEqualTo(VERSION);
    assertThat(labels.path("org.opencontainers.image.source").asText()).isEqualTo("https://github.com/apkimg/apkimg");
    assertThat(labels.path("org.opencontainers.image.title").asText()).isEqualTo("apkimg");

    // Into the daemon (Docker 20.10 cannot docker-load an OCI layout; skopeo converts it).
    loaded = true;
    List<String> copy = new ArrayList<>(List.of(skopeo.toString(), "copy", "--quiet"));
    String host = System.getenv("DOCKER_HOST");
    if (host != null && !host.isBlank()) {
      copy.addAll(List.of("--dest-daemon-host", host));
    }
    copy.addAll(List.of("oci-archive:" + tar, "docker-daemon:" + image));
    exec(copy.toArray(String[]::new));

    // A stand-in sh entrypoint: who runs, where, and the jars with their SHA-256.
    String shown = exec(docker.toString(), "run", "--rm", "--network", "none", "--entrypoint", "sh", image, "-c",
        "id -u; id -g; pwd; test -w \"$HOME\" && echo home writable; test -w /work && echo work writable;"
            + " base64 " + JRE_CACERTS + " 2>&1 | tr -d '\\n'; echo; cd /app/libs && sha256sum *.jar");
    List<String> lines = List.of(shown.split("\n"));
    assertThat(lines.subList(0, 5)).containsExactly(USER, USER, "/work", "home writable", "work writable");
    // The JRE's trust store: a JKS (password changeit) of exactly the fixture's CA bundle, read through the JRE's link.
    assertThat(lines.get(5)).as("base64 of " + JRE_CACERTS + " in the image").matches("[A-Za-z0-9+/]+=*");
    KeyStore trustStore = KeyStore.getInstance("JKS");
    trustStore.load(new ByteArrayInputStream(Base64.getDecoder().decode(lines.get(5))), "changeit".toCharArray());
    Set<Certificate> inStore = new HashSet<>();
    for (String alias : Collections.list(trustStore.aliases())) {
      assertThat(trustStore.isCertificateEntry(alias)).as(alias).isTrue();
      inStore.add(trustStore.getCertificate(alias));
    }
    List<? extends Certificate> bundle = fixtureBundle(samples.fixtures()
        .resolve("mirror/v3.20/main/x86_64/ca-certificates-bundle-20240705-r0.apk"));
    assertThat(bundle).hasSizeGreaterThan(50);
    assertThat(inStore).hasSize(trustStore.size()).containsExactlyInAnyOrderElementsOf(bundle);
    Map<String, String> jars = new TreeMap<>();
    for (String line : lines.subList(6, lines.size())) {
      String[] hashAndName = line.split(" +", 2);
      jars.put("/app/libs/" + hashAndName[1], hashAndName[0]);
    }
    assertThat(jars).containsKeys("/app/libs/apkimg-cli-" + VERSION + ".jar", "/app/libs/apkimg-core-" + VERSION + ".jar",
        "/app/libs/picocli-4.7.7.jar", "/app/libs/jib-core-0.28.1.jar", "/app/libs/jackson-databind-2.21.8.jar");
    // Every jar of the classpath is there, and nothing else is.
    assertThat(jars.keySet()).containsExactlyInAnyOrderElementsOf(
        classpath.stream().filter(e -> e.endsWith(".jar")).collect(Collectors.toList()));
    // This reactor's builds of the CLI and the core, not older ones from a local repository.
    assertThat(jars.get("/app/libs/apkimg-cli-" + VERSION + ".jar"))
        .isEqualTo(Digests.sha256(root.resolve("apkimg-cli/target/apkimg-cli-" + VERSION + ".jar")));
    assertThat(jars.get("/app/libs/apkimg-core-" + VERSION + ".jar"))
        .isEqualTo(Digests.sha256(root.resolve("apkimg-core/target/apkimg-core-" + VERSION + ".jar")));

    // The image's own entrypoint: `java` is found on the image's PATH at the JRE's path, with the arguments given.
    String ran = exec(docker.toString(), "run", "--rm", "--network", "none", image, "--version");
    assertThat(ran).isEqualTo("stand-in java " + String.join(" ", entrypoint.subList(1, 4)) + " --version\n");
  }

  /** The certificates of the CA bundle that a ca-certificates-bundle package ships (its gzip members read as one tar, as apk does). */
  private static List<? extends Certificate> fixtureBundle(Path apk) throws Exception {
    return List.copyOf(CertificateFactory.getInstance("X.509")
        .generateCertificates(new ByteArrayInputStream(fixtureBundleBytes(apk))));
  }

  /** The bytes of that CA bundle. */
  private static byte[] fixtureBundleBytes(Path apk) throws Exception {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(apk));
         TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
        if (e.getName().equals("etc/ssl/certs/ca-certificates.crt")) {
          return tar.readAllBytes();
        }
      }
    }
    throw new AssertionError("no etc/ssl/certs/ca-certificates.crt in " + apk);
  }

  /** Runs a command, fails the test with its output unless it exits 0, and returns the output. */
  private static String exec(String... command) throws IOException, InterruptedException {
    Run run = SampleBuilds.exec(List.of(command), 120);
    assertThat(run.exit()).as(String.join(" ", command) + "\n" + run.output()).isZero();
    return run.output();
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
