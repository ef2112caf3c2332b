package dev.apkimg.profile;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The profile's JSON Schema: published in the repository as the jar carries it, every real
 * profile valid, typos caught, and the same keys as the profile apkimg reads; and show-config's
 * YAML, which loads back to the same profile.
 */
class ProfileSchemaTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  /** The repository's root: tests run in apkimg-core. */
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

  /**
   * Keys in the schema that helpers F and G add to {@link ImageProfile} on other branches of
   * issue 13; once merged, they are in the record too and this set can go.
   */
  @TempDir Path tmp;

  private static JsonSchema schema() {
    return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(EffectiveProfile.schema());
  }

  private static Set<ValidationMessage> validate(String yaml) throws IOException {
    return schema().validate(YAML.readTree(yaml));
  }

  /** Every key the profile format has: a profile using each of them. */
  static final String EVERY_KEY = """
      include: [base.yaml]
      contents:
        repositories: [https://dl-cdn.alpinelinux.org/alpine/v3.20/main, "@edge mirror/edge"]
        keyring: [keys/a.rsa.pub]
        packages: [busybox, "curl>=8", so:libc.musl-x86_64.so.1]
      archs: [x86_64, arm64, linux/arm/v7]
      entrypoint:
        command: /bin/sh -c
      cmd: /bin/sh
      environment: {PATH: /usr/bin:/bin, LEVEL: 3}
      work-dir: /srv
      accounts:
        groups: [{groupname: app, gid: 1000, members: [app]}]
        users: [{username: app, uid: 1000, gid: 1000, shell: /sbin/nologin, homedir: /home/app}]
        run-as: app
      paths:
        - {type: directory, path: /var/lib/app, uid: 1000, gid: 1000, permissions: 0o750, recursive: true}
        - {type: symlink, path: /app, source: /var/lib/app}
      files:
        - {source: motd, target: /etc/motd, uid: 0, gid: 0, permissions: 0644}
      annotations: {org.opencontainers.image.title: demo}
      labels: {team: core}
      volumes: [/data]
      ports: [8080, 53/udp]
      stop-signal: SIGTERM
      vcs-url: https://example.com/repo@abc123
      layering: {strategy: packages, budget: 20}
      """;

  @Test
  void theRepositorysSchemaIsTheOneApkimgPrints() throws IOException {
    assertThat(Files.readString(ROOT.resolve("schema/apkimg-profile.schema.json")))
        .isEqualTo(EffectiveProfile.schema());
    assertThat(YAML.readTree(EffectiveProfile.schema()).path("$schema").asText())
        .isEqualTo("https://json-schema.org/draft/2020-12/schema");
  }

  @Test
  void everyProfileInTheRepositoryAndEveryKeyValidates() throws IOException {
    List<Path> profiles;
    try (Stream<Path> s = Stream.concat(Files.list(ROOT.resolve("profiles")),
        Stream.of(ROOT.resolve("apkimg-maven-plugin/src/it/app/base.yaml"),
            ROOT.resolve("apkimg-maven-plugin/src/it/no-main/base.yaml")))) {
      profiles = s.filter(p -> p.toString().endsWith(".yaml")).toList();
    }
    assertThat(profiles).hasSizeGreaterThanOrEqualTo(5);
    for (Path p : profiles) {
      assertThat(validate(Files.readString(p))).as(p.toString()).isEmpty();
    }
    assertThat(validate(EVERY_KEY)).isEmpty();
    // apko's keys of issue 13, as apko's examples write them
    assertThat(validate("""
        contents:
          build_repositories: [./mirror/main]
          repositories: [https://dl-cdn.alpinelinux.org/alpine/v3.20/main]
          runtime_repositories: [https://dl-cdn.alpinelinux.org/alpine/v3.20/community]
          runtime_keyring: [{name: corp.rsa.pub, content: "-----BEGIN PUBLIC KEY-----"}]
          packages: [nginx]
        entrypoint:
          type: service-bundle
          services: {nginx: /usr/sbin/nginx -g "daemon off;"}
        certificates:
          providers: [corp-certs]
          additional:
            - {name: a, content: "-----BEGIN CERTIFICATE-----"}
            - {name: b, file: certs/b.pem}
        """)).isEmpty();
    assertThat(validate("contents: {packages: [a]}\ncertificates: {additional: [{name: a}]}\n"))
        .as("a certificate needs content or file").isNotEmpty();
    // a single value where a list goes, as apkimg (and apko) read it
    assertThat(validate("contents: {packages: busybox}\narchs: x86_64\ninclude: base.yaml\n")).isEmpty();
  }

  @Test
  void aTypoOrAWrongTypeFailsTheSchema() throws IOException {
    assertThat(validate("contents:\n  pakages: [busybox]\n")).isNotEmpty()
        .anySatisfy(m -> assertThat(m.getMessage()).contains("pakages"));
    assertThat(validate("contents: {packages: [busybox]}\nworkdir: /srv\n")).isNotEmpty();
    assertThat(validate("contents: {packages: [busybox]}\npaths: [{type: folder, path: /x}]\n")).isNotEmpty();
    assertThat(validate("contents: {packages: [busybox]}\naccounts: {users: [{username: a, uid: -1}]}\n")).isNotEmpty();
    // apko's keys apkimg refuses are not in the schema either
    assertThat(validate("contents: {packages: [busybox], baseimage: {image: x}}\n")).isNotEmpty();
  }

  @Test
  void theSchemaAndTheProfileHaveTheSameKeys() throws IOException {
    Set<String> inSchema = new TreeSet<>();
    JsonNode schema = YAML.readTree(EffectiveProfile.schema());
    schemaKeys(schema, schema, "", inSchema);
    Set<String> inProfile = new TreeSet<>();
    recordKeys(ImageProfile.class, "", inProfile);

    assertThat(inProfile).as("keys apkimg reads but the schema lacks").isSubsetOf(inSchema);
    Set<String> onlyInSchema = new TreeSet<>(inSchema);
    onlyInSchema.removeAll(inProfile);
    assertThat(onlyInSchema).as("keys in the schema apkimg does not read").isEmpty();
  }

  @Test
  void showConfigPrintsNoPasswordOfARepositoryUrl() throws IOException {
    Path p = tmp.resolve("private.yaml");
    Files.writeString(p, """
        contents:
          repositories: [https://ci:s3cret-pw@apk.example.com/main]
          build_repositories: ['https://ci:s3cret-pw@mirror.example.com/main']
          packages: [busybox]
        """);
    String shown = EffectiveProfile.yaml(p, List.of());
    assertThat(shown).doesNotContain("s3cret-pw").contains("https://apk.example.com/main")
        .contains("https://mirror.example.com/main");
  }

  @Test
  void showConfigMergesIncludesWritesDefaultsAndLoadsBackTheSameProfile() throws IOException {
    Files.writeString(tmp.resolve("base.yaml"), "contents: {packages: [busybox]}\nenvironment: {A: '1'}\n");
    Files.writeString(tmp.resolve("motd"), "hi\n");
    Path top = tmp.resolve("app.yaml");
    Files.writeString(top, """
        include: base.yaml
        contents: {packages: [curl]}
        paths: [{type: directory, path: /data, permissions: 0o750}]
        files: [{source: motd, target: /etc/motd}]
        accounts: {users: [{username: app, uid: 1000}]}
        """);

    String yaml = EffectiveProfile.yaml(top, List.of());

    assertThat(yaml).doesNotContainPattern("(?m)^include:").contains("- busybox\n    - curl").contains("permissions: 0o750")
        .contains("strategy: single").contains("A: \"1\"")
        .contains("username: app\n      uid: 1000\n      gid: 1000\n      shell: /bin/sh\n      homedir: /home/app\n");
    assertThat(validate(yaml)).isEmpty();
    Path again = tmp.resolve("again.yaml");
    Files.writeString(again, yaml);
    ImageProfile loaded = ProfileLoader.load(top);
    ImageProfile reloaded = ProfileLoader.load(again);
    assertThat(reloaded.contents()).isEqualTo(loaded.contents());
    assertThat(reloaded.paths()).isEqualTo(loaded.paths());
    assertThat(reloaded.environment()).isEqualTo(loaded.environment());
    assertThat(reloaded.accounts().users().get(0).gid()).isEqualTo(1000L);
    assertThat(reloaded.layering()).isEqualTo(new ImageProfile.Layering("single", null));
  }

  /** Dotted paths of every property the schema names, through $ref, anyOf and items. */
  private static void schemaKeys(JsonNode root, JsonNode node, String prefix, Set<String> out) {
    if (node.has("$ref")) {
      String ref = node.get("$ref").asText();
      schemaKeys(root, root.at(ref.substring(1)), prefix, out);
    }
    for (String nested : List.of("anyOf", "oneOf")) {
      node.path(nested).forEach(n -> schemaKeys(root, n, prefix, out));
    }
    if (node.has("items")) {
      schemaKeys(root, node.get("items"), prefix, out);
    }
    node.path("properties").fields().forEachRemaining(f -> {
      String key = prefix.isEmpty() ? f.getKey() : prefix + "." + f.getKey();
      out.add(key);
      schemaKeys(root, f.getValue(), key, out);
    });
  }

  /** Dotted paths of every key a profile record binds, through lists of records. */
  private static void recordKeys(Type type, String prefix, Set<String> out) {
    if (type instanceof ParameterizedType pt && pt.getRawType() == List.class) {
      recordKeys(pt.getActualTypeArguments()[0], prefix, out);
      return;
    }
    if (!(type instanceof Class<?> c) || !c.isRecord()) {
      return;
    }
    for (RecordComponent rc : c.getRecordComponents()) {
      com.fasterxml.jackson.annotation.JsonProperty p = rc.getAccessor()
          .getAnnotation(com.fasterxml.jackson.annotation.JsonProperty.class);
      if (p == null) {
        try {
          p = c.getDeclaredField(rc.getName()).getAnnotation(com.fasterxml.jackson.annotation.JsonProperty.class);
        } catch (NoSuchFieldException e) {
          p = null;
        }
      }
      String name = p != null && !p.value().isEmpty() ? p.value() : rc.getName();
      String key = prefix.isEmpty() ? name : prefix + "." + name;
      out.add(key);
      recordKeys(rc.getGenericType(), key, out);
    }
  }
}
