package dev.apkimg.sbom;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;

/**
 * The SBOMs of a multi-architecture image index: the index as the described root, containing each
 * platform's image, each pointing at the SBOM that lists its packages. Packages are not repeated:
 * a scanner that wants them follows the reference (by checksum) to the platform's document.
 */
final class IndexDocuments {
  private IndexDocuments() {}

  static ObjectNode spdx(IndexFacts facts) {
    ObjectNode doc = Sbom.JSON.createObjectNode();
    doc.put("spdxVersion", "SPDX-2.3");
    doc.put("dataLicense", "CC0-1.0");
    doc.put("SPDXID", "SPDXRef-DOCUMENT");
    doc.put("name", facts.reference() + " (image index)");
    doc.put("documentNamespace", "https://apkimg.dev/spdx/index/" + uuid("spdx", facts));
    ObjectNode creation = doc.putObject("creationInfo");
    creation.put("created", facts.created().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
    creation.putArray("creators").add("Tool: apkimg-" + facts.toolVersion());
    ArrayNode refs = doc.putArray("externalDocumentRefs");
    for (IndexFacts.Platform p : facts.platforms()) {
      String namespace = Sbom.tree(p.spdx()).path("documentNamespace").asText();
      refs.addObject().put("externalDocumentId", documentRef(p))
          .put("spdxDocument", namespace)
          .putObject("checksum").put("algorithm", "SHA1").put("checksumValue", hex("SHA-1", p.spdx()));
    }

    ArrayNode packages = doc.putArray("packages");
    ObjectNode index = packages.addObject();
    index.put("name", facts.reference());
    index.put("SPDXID", "SPDXRef-Index");
    index.put("versionInfo", facts.indexDigest());
    index.put("supplier", "NOASSERTION");
    index.put("downloadLocation", "NOASSERTION");
    index.put("filesAnalyzed", false);
    index.putArray("checksums").addObject().put("algorithm", "SHA256")
        .put("checksumValue", Sbom.sha256Hex(facts.indexDigest()));
    index.put("licenseConcluded", "NOASSERTION");
    index.put("licenseDeclared", "NOASSERTION");
    index.put("copyrightText", "NOASSERTION");
    index.put("comment", "The OCI image index: the checksum is its digest.");
    index.putArray("externalRefs").addObject().put("referenceCategory", "PACKAGE-MANAGER")
        .put("referenceType", "purl").put("referenceLocator", indexPurl(facts));
    index.put("primaryPackagePurpose", "CONTAINER");

    ArrayNode relationships = doc.putArray("relationships");
    relationships.addObject().put("spdxElementId", "SPDXRef-DOCUMENT").put("relationshipType", "DESCRIBES")
        .put("relatedSpdxElement", "SPDXRef-Index");
    for (IndexFacts.Platform p : facts.platforms()) {
      // The platform's image is described in its own document: refer to it there.
      relationships.addObject().put("spdxElementId", "SPDXRef-Index").put("relationshipType", "CONTAINS")
          .put("relatedSpdxElement", documentRef(p) + ":SPDXRef-Image")
          .put("comment", p.image().platform() + ": " + p.image().manifestDigest());
    }
    return doc;
  }

  static ObjectNode cycloneDx(IndexFacts facts) {
    ObjectNode bom = Sbom.JSON.createObjectNode();
    bom.put("bomFormat", "CycloneDX");
    bom.put("specVersion", "1.6");
    bom.put("serialNumber", "urn:uuid:" + uuid("cyclonedx", facts));
    bom.put("version", 1);
    ObjectNode metadata = bom.putObject("metadata");
    metadata.put("timestamp", facts.created().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
    metadata.putObject("tools").putArray("components").addObject()
        .put("type", "application").put("name", "apkimg").put("version", facts.toolVersion());
    String indexRef = indexPurl(facts);
    ObjectNode index = metadata.putObject("component");
    index.put("type", "container");
    index.put("bom-ref", indexRef);
    index.put("name", facts.reference());
    index.put("version", facts.indexDigest());
    index.putArray("hashes").addObject().put("alg", "SHA-256").put("content", Sbom.sha256Hex(facts.indexDigest()));
    index.put("purl", indexRef);

    ArrayNode components = bom.putArray("components");
    ArrayNode contained = Sbom.JSON.createArrayNode();
    for (IndexFacts.Platform p : facts.platforms()) {
      ImageFacts image = p.image();
      String ref = Purl.oci(image.reference(), image.manifestDigest(), image.arch());
      contained.add(ref);
      ObjectNode c = components.addObject();
      c.put("type", "container");
      c.put("bom-ref", ref);
      c.put("name", image.reference());
      c.put("version", image.manifestDigest());
      c.putArray("hashes").addObject().put("alg", "SHA-256").put("content", Sbom.sha256Hex(image.manifestDigest()));
      c.put("purl", ref);
      String serial = Sbom.tree(p.cycloneDx()).path("serialNumber").asText();
      c.putArray("externalReferences").addObject().put("type", "bom").put("url", serial.replace("urn:uuid:", "urn:cdx:")
          + "/1").put("comment", "the SBOM of " + image.platform() + " (its packages)")
          .putArray("hashes").addObject().put("alg", "SHA-256").put("content", hex("SHA-256", p.cycloneDx()));
      c.putArray("properties").addObject().put("name", "apkimg:image:platform").put("value", image.platform());
    }
    ArrayNode dependencies = bom.putArray("dependencies");
    dependencies.addObject().put("ref", indexRef).set("dependsOn", contained);
    return bom;
  }

  private static String documentRef(IndexFacts.Platform p) {
    StringBuilder id = new StringBuilder("DocumentRef-");
    for (char ch : p.image().arch().toCharArray()) {
      id.append(Character.isLetterOrDigit(ch) || ch == '.' || ch == '-' ? ch : '-');
    }
    return id.toString();
  }

  private static String indexPurl(IndexFacts facts) {
    String purl = Purl.oci(facts.reference(), facts.indexDigest(), "x");
    return purl.substring(0, purl.indexOf('?')); // an index is of every architecture: no arch qualifier
  }

  private static UUID uuid(String what, IndexFacts facts) {
    return UUID.nameUUIDFromBytes(("apkimg-sbom-index:" + what + ":" + facts.indexDigest())
        .getBytes(StandardCharsets.UTF_8));
  }

  private static String hex(String algorithm, byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
