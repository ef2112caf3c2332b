package dev.apkimg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.testing.GzipMembers;
import dev.apkimg.testing.Prerequisites;
import dev.apkimg.testing.SbomValidators;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #12's acceptance for the base image: {@code build --sbom-dir} on the fixture mirror lists
 * exactly the packages of the image's {@code lib/apk/db/installed} in both SBOMs, with purl,
 * license, version and checksums; both pass their formats' validators; builds repeat byte for byte.
 */
class SbomIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;

  /** One stanza of lib/apk/db/installed: its single-letter fields. */
  private record Installed(String name, String version, String arch, String license, String q1) {}

  private Path build(Path fixtures, String name) {
    Path out = tmp.resolve(name);
    Processes.apkimg(List.of("build", ProfilesTest.PROFILES.resolve("alpine-base.yaml").toString(),
        "-o", out.resolve("alpine-base.tar").toString(), "-r", fixtures.resolve("mirror/v3.20/main").toString(),
        "-k", fixtures.resolve("keys/apkimg-test.rsa.pub").toString(), "--cache-dir", tmp.resolve("cache").toString(),
        "--sbom-dir", out.resolve("sbom").toString(), "--metadata-file", out.resolve("metadata.json").toString()))
        .assertSuccess();
    return out;
  }

  @Test
  void theBaseImagesSbomsListExactlyItsInstalledPackagesPassTheValidatorsAndRepeat() throws Exception {
    Path fixtures = Prerequisites.requireSharedFixtures();
    Path a = build(fixtures, "a");
    Map<String, Installed> installed = installed(a.resolve("alpine-base.tar"));
    assertThat(installed).isNotEmpty();

    JsonNode spdx = JSON.readTree(a.resolve("sbom/x86_64.spdx.json").toFile());
    JsonNode cdx = JSON.readTree(a.resolve("sbom/x86_64.cdx.json").toFile());
    Map<String, JsonNode> spdxPackages = new LinkedHashMap<>();
    // Besides the packages: the image, and the distribution its etc/os-release names (no apk package).
    spdx.get("packages").forEach(p -> {
      if (!p.get("SPDXID").asText().equals("SPDXRef-Image")
          && !p.path("primaryPackagePurpose").asText().equals("OPERATING_SYSTEM")) {
        spdxPackages.put(p.get("name").asText(), p);
      }
    });
    assertThat(spdx.get("packages").toString()).contains("\"primaryPackagePurpose\":\"OPERATING_SYSTEM\"");
    Map<String, JsonNode> components = new LinkedHashMap<>();
    cdx.get("components").forEach(c -> {
      if (!c.get("type").asText().equals("operating-system")) {
        components.put(c.get("name").asText(), c);
      }
    });
    assertThat(cdx.get("components").get(0).get("type").asText()).isEqualTo("operating-system");
    assertThat(spdxPackages.keySet()).as("SPDX packages").containsExactlyInAnyOrderElementsOf(installed.keySet());
    assertThat(components.keySet()).as("CycloneDX components").containsExactlyInAnyOrderElementsOf(installed.keySet());

    for (Installed p : installed.values()) {
      String purl = "pkg:apk/alpine/" + p.name() + "@" + p.version() + "?arch=" + p.arch() + "&distro=alpine-3.20";
      String sha1 = HexFormat.of().formatHex(Base64.getDecoder().decode(p.q1().substring(2)));
      String sha256 = dataSha256(fixtures.resolve("mirror/v3.20/main/x86_64/" + p.name() + "-" + p.version() + ".apk"));

      JsonNode s = spdxPackages.get(p.name());
      assertThat(s.get("versionInfo").asText()).as(p.name()).isEqualTo(p.version());
      assertThat(s.get("licenseDeclared").asText()).as(p.name()).isEqualTo(p.license());
      assertThat(s.get("externalRefs").get(0).get("referenceLocator").asText()).isEqualTo(purl);
      assertThat(s.get("checksums").toString()).as(p.name())
          .isEqualTo("[{\"algorithm\":\"SHA1\",\"checksumValue\":\"" + sha1 + "\"},"
              + "{\"algorithm\":\"SHA256\",\"checksumValue\":\"" + sha256 + "\"}]");

      JsonNode c = components.get(p.name());
      assertThat(c.get("version").asText()).as(p.name()).isEqualTo(p.version());
      assertThat(c.get("licenses").get(0).get("expression").asText()).as(p.name()).isEqualTo(p.license());
      assertThat(c.get("purl").asText()).isEqualTo(purl);
      assertThat(c.get("hashes").toString()).as(p.name())
          .isEqualTo("[{\"alg\":\"SHA-1\",\"content\":\"" + sha1 + "\"},{\"alg\":\"SHA-256\",\"content\":\"" + sha256 + "\"}]");
    }

    assertThat(SbomValidators.spdxProblems(a.resolve("sbom/x86_64.spdx.json"))).isEmpty();
    assertThat(SbomValidators.cycloneDxProblems(a.resolve("sbom/x86_64.cdx.json"))).isEmpty();

    JsonNode metadata = JSON.readTree(a.resolve("metadata.json").toFile());
    List<String> listed = new ArrayList<>();
    metadata.get("sboms").forEach(f -> listed.add(Path.of(f.get("file").asText()).getFileName() + " " + f.get("sha256").asText()));
    assertThat(listed).containsExactly("x86_64.spdx.json " + sha256(a.resolve("sbom/x86_64.spdx.json")),
        "x86_64.cdx.json " + sha256(a.resolve("sbom/x86_64.cdx.json")));
    assertThat(spdx.get("packages").get(0).get("versionInfo").asText())
        .isEqualTo(metadata.get("images").get(0).get("manifestDigest").asText());

    // The provenance: every installed package by the SHA-256 of its .apk, the index read and the key, as files.
    Path provenance = a.resolve("sbom/x86_64.provenance.json");
    assertThat(SbomValidators.provenanceProblems(Files.readAllBytes(provenance))).isEmpty();
    Map<String, String> materials = new LinkedHashMap<>();
    JSON.readTree(provenance.toFile()).get("predicate").get("buildDefinition").get("resolvedDependencies")
        .forEach(d -> materials.put(d.get("name").asText(), d.get("digest").get("sha256").asText()));
    Map<String, String> expected = new LinkedHashMap<>();
    for (Installed p : installed.values()) {
      expected.put(p.name(), sha256(fixtures.resolve("mirror/v3.20/main/x86_64/" + p.name() + "-" + p.version() + ".apk")));
    }
    expected.put("APKINDEX.tar.gz", sha256(fixtures.resolve("mirror/v3.20/main/x86_64/APKINDEX.tar.gz")));
    expected.put("apkimg-test.rsa.pub", sha256(fixtures.resolve("keys/apkimg-test.rsa.pub")));
    assertThat(materials).isEqualTo(expected);
    assertThat(metadata.get("provenance").get(0).get("sha256").asText())
        .isEqualTo(sha256(provenance));

    Path b = build(fixtures, "b");
    for (String file : List.of("x86_64.spdx.json", "x86_64.cdx.json", "x86_64.provenance.json")) {
      assertThat(b.resolve("sbom/" + file)).hasSameBinaryContentAs(a.resolve("sbom/" + file));
    }
  }

  @Test
  void theValidatorsRefuseABrokenSbom() throws Exception {
    Path fixtures = Prerequisites.requireSharedFixtures();
    Path a = build(fixtures, "a");
    // The checks above must be able to fail: an invalid download location, an unknown hash algorithm.
    Path spdx = a.resolve("sbom/x86_64.spdx.json");
    Files.writeString(spdx, Files.readString(spdx).replaceFirst("\"downloadLocation\" : \"NOASSERTION\"", "\"downloadLocation\" : \"nowhere\""));
    Path cdx = a.resolve("sbom/x86_64.cdx.json");
    Files.writeString(cdx, Files.readString(cdx).replace("\"alg\" : \"SHA-1\"", "\"alg\" : \"SHA-0\""));
    assertThat(SbomValidators.spdxProblems(spdx)).isNotEmpty();
    assertThat(SbomValidators.cycloneDxProblems(cdx)).isNotEmpty();
  }

  /** The packages of lib/apk/db/installed in the archive's only layer, by name. */
  private static Map<String, Installed> installed(Path archive) throws IOException {
    Map<String, byte[]> files = new HashMap<>();
    try (TarArchiveInputStream tar = new TarArchiveInputStream(Files.newInputStream(archive))) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        if (e.isFile()) {
          files.put(e.getName().replaceFirst("^\\./", ""), tar.readAllBytes());
        }
      }
    }
    JsonNode index = JSON.readTree(files.get("index.json"));
    JsonNode manifest = JSON.readTree(blob(files, index.path("manifests").get(0).path("digest").asText()));
    byte[] layer = blob(files, manifest.path("layers").get(0).path("digest").asText());
    try (TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(new ByteArrayInputStream(layer)))) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        if (e.getName().replaceFirst("^\\./", "").equals("lib/apk/db/installed")) {
          Map<String, Installed> out = new LinkedHashMap<>();
          for (String stanza : new String(tar.readAllBytes(), StandardCharsets.UTF_8).split("\n\n")) {
            Map<Character, String> f = new HashMap<>();
            stanza.lines().filter(l -> l.length() > 1 && l.charAt(1) == ':').forEach(l -> f.putIfAbsent(l.charAt(0), l.substring(2)));
            if (f.containsKey('P')) {
              out.put(f.get('P'), new Installed(f.get('P'), f.get('V'), f.get('A'), f.get('L'), f.get('C')));
            }
          }
          return out;
        }
      }
    }
    throw new AssertionError("no lib/apk/db/installed in the layer of " + archive);
  }

  private static byte[] blob(Map<String, byte[]> files, String digest) {
    byte[] b = files.get("blobs/" + digest.replace(':', '/'));
    assertThat(b).as("blob " + digest).isNotNull();
    return b;
  }

  /** apk's datahash: the SHA-256 of the .apk's last gzip member, its data stream. */
  private static String dataSha256(Path apk) throws Exception {
    List<GzipMembers.Member> members = GzipMembers.split(Files.readAllBytes(apk));
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(members.get(members.size() - 1).compressed()));
  }

  private static String sha256(Path file) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }
}
