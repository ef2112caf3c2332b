package dev.apkimg.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cyclonedx.Version;
import org.cyclonedx.exception.ParseException;
import org.cyclonedx.parsers.JsonParser;
import org.spdx.tools.SpdxToolsHelper;
import org.spdx.tools.SpdxVerificationException;
import org.spdx.tools.Verify;

/**
 * The SBOM formats' own validators: CycloneDX's JSON schema check (cyclonedx-core-java) and
 * SPDX's verifier (tools-java), each returning what it found wrong (empty: valid).
 */
public final class SbomValidators {
  private SbomValidators() {}

  /** What cyclonedx-core-java's schema validation for CycloneDX 1.6 reports, and parse errors. */
  public static List<String> cycloneDxProblems(Path file) throws IOException {
    List<String> problems = new ArrayList<>();
    JsonParser parser = new JsonParser();
    for (ParseException e : parser.validate(Files.readAllBytes(file), Version.VERSION_16)) {
      problems.add(e.getMessage());
    }
    if (problems.isEmpty()) {
      try {
        parser.parse(file.toFile());
      } catch (ParseException e) {
        problems.add("cannot parse: " + e.getMessage());
      }
    }
    return problems;
  }

  /** What SPDX tools-java's Verify reports for an SPDX JSON file. */
  public static synchronized List<String> spdxProblems(Path file) {
    // The license list bundled with the library, not spdx.org's: tests stay offline.
    System.setProperty("SPDXParser.OnlyUseLocalLicenses", "true");
    SpdxToolsHelper.initialize();
    try {
      return Verify.verify(file.toString(), SpdxToolsHelper.SerFileType.JSON);
    } catch (SpdxVerificationException | RuntimeException e) {
      return List.of("not an SPDX document: " + e);
    }
  }

  /**
   * What a JSON Schema validator (networknt json-schema-validator, draft 2020-12, formats asserted)
   * reports for an in-toto Statement v1 with a SLSA Provenance v1 predicate, against the schema in
   * test resources written from those specifications (empty: valid).
   */
  public static List<String> provenanceProblems(byte[] statement) throws IOException {
    com.networknt.schema.JsonSchema schema;
    try (java.io.InputStream in = SbomValidators.class.getResourceAsStream("slsa-provenance-v1.schema.json")) {
      schema = com.networknt.schema.JsonSchemaFactory.getInstance(com.networknt.schema.SpecVersion.VersionFlag.V202012)
          .getSchema(in, com.networknt.schema.SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build());
    }
    List<String> problems = new ArrayList<>();
    com.fasterxml.jackson.databind.JsonNode json;
    try {
      json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(statement);
    } catch (IOException e) {
      return List.of("not JSON: " + e.getMessage());
    }
    schema.validate(json).forEach(m -> problems.add(m.getMessage()));
    return problems;
  }

  /** A provenance statement's resolved dependencies by name (package, APKINDEX.tar.gz, key, jar file), in order. */
  public static java.util.Map<String, com.fasterxml.jackson.databind.JsonNode> resolvedDependencies(
      com.fasterxml.jackson.databind.JsonNode statement) {
    java.util.Map<String, com.fasterxml.jackson.databind.JsonNode> out = new java.util.LinkedHashMap<>();
    statement.get("predicate").get("buildDefinition").get("resolvedDependencies")
        .forEach(d -> out.put(d.get("name").asText(), d));
    return out;
  }
}
