package dev.apkimg.sbom;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** SPDX 2.3 JSON: the image as the described package, containing the apk packages. */
final class SpdxDocument {
  private static final String NOASSERTION = "NOASSERTION";
  private static final String IMAGE_ID = "SPDXRef-Image";
  private static final String OS_ID = "SPDXRef-OperatingSystem";
  private static final java.util.regex.Pattern SPDX_LOCATION = java.util.regex.Pattern.compile(
      "https?://[a-z0-9]+([-.][a-z0-9]+){0,100}\\.[a-z]{2,5}(:[0-9]{1,5})?(/\\S*)?");

  private SpdxDocument() {}

  static ObjectNode of(ImageFacts facts) {
    ObjectNode doc = Sbom.JSON.createObjectNode();
    doc.put("spdxVersion", "SPDX-2.3");
    doc.put("dataLicense", "CC0-1.0");
    doc.put("SPDXID", "SPDXRef-DOCUMENT");
    doc.put("name", facts.reference() + " " + facts.platform());
    doc.put("documentNamespace", "https://apkimg.dev/spdx/" + Purl.encode(facts.arch()) + "/"
        + Sbom.uuid("spdx", facts));
    ObjectNode creation = doc.putObject("creationInfo");
    creation.put("created", Sbom.time(facts));
    creation.putArray("creators").add("Tool: apkimg-" + facts.toolVersion());

    // One id per package; one LicenseRef per distinct declaration that is no SPDX expression.
    Map<String, String> ids = new HashMap<>();
    Set<String> usedIds = new HashSet<>();
    Map<String, String> licenseRefs = new LinkedHashMap<>();
    Set<String> usedRefs = new HashSet<>();
    for (ImageFacts.InstalledPackage p : facts.packages()) {
      ids.put(p.info().name(), unique("SPDXRef-Package-apk-" + idPart(p.info().name() + "-" + p.info().version()),
          usedIds));
      String license = p.info().license();
      if (Sbom.present(license) && !SpdxLicense.isExpression(license) && !licenseRefs.containsKey(license)) {
        licenseRefs.put(license, unique(SpdxLicense.licenseRef(license), usedRefs));
      }
    }
    if (!licenseRefs.isEmpty()) {
      ArrayNode extracted = doc.putArray("hasExtractedLicensingInfos");
      licenseRefs.forEach((declared, id) -> extracted.addObject()
          .put("licenseId", id)
          .put("name", declared)
          .put("extractedText", declared)
          .put("comment", "As declared in the apk package's L: field, which is no SPDX license expression."));
    }

    ArrayNode packages = doc.putArray("packages");
    ObjectNode image = packages.addObject();
    image.put("name", facts.reference());
    image.put("SPDXID", IMAGE_ID);
    image.put("versionInfo", facts.manifestDigest());
    image.put("supplier", NOASSERTION);
    image.put("downloadLocation", NOASSERTION);
    image.put("filesAnalyzed", false);
    String manifest = Sbom.sha256Hex(facts.manifestDigest());
    if (manifest != null) {
      image.putArray("checksums").addObject().put("algorithm", "SHA256").put("checksumValue", manifest);
    }
    image.put("licenseConcluded", NOASSERTION);
    image.put("licenseDeclared", NOASSERTION);
    image.put("copyrightText", NOASSERTION);
    image.put("comment", "The OCI image for " + facts.platform() + ": the checksum is its manifest's"
        + (facts.configDigest() == null ? "" : "; its configuration is " + facts.configDigest()) + ".");
    image.putArray("externalRefs").addObject().put("referenceCategory", "PACKAGE-MANAGER")
        .put("referenceType", "purl").put("referenceLocator", Purl.oci(facts.reference(), facts.manifestDigest(),
            facts.arch()));
    image.put("primaryPackagePurpose", "CONTAINER");

    ImageFacts.OperatingSystem os = facts.os();
    if (os != null) {
      // Scanners take the distribution from here to choose their vulnerability data.
      ObjectNode n = packages.addObject();
      n.put("name", os.id());
      n.put("SPDXID", OS_ID);
      if (os.versionId() != null) {
        n.put("versionInfo", os.versionId());
      }
      n.put("supplier", NOASSERTION);
      n.put("downloadLocation", NOASSERTION);
      n.put("filesAnalyzed", false);
      n.put("licenseConcluded", NOASSERTION);
      n.put("licenseDeclared", NOASSERTION);
      n.put("copyrightText", NOASSERTION);
      if (os.name() != null) {
        n.put("description", os.name());
      }
      n.put("comment", "The distribution, as the image's os-release names it.");
      n.put("primaryPackagePurpose", "OPERATING_SYSTEM");
    }

    for (ImageFacts.InstalledPackage p : facts.packages()) {
      ObjectNode n = packages.addObject();
      n.put("name", p.info().name());
      n.put("SPDXID", ids.get(p.info().name()));
      n.put("versionInfo", p.info().version());
      String[] person = Sbom.person(p.info().maintainer());
      n.put("supplier", person != null ? "Person: " + person[0] + " (" + person[1] + ")"
          : Sbom.present(p.info().maintainer()) ? "Person: " + p.info().maintainer().strip() : NOASSERTION);
      // SPDX takes network locations on a domain only: a file: mirror or one on an IP address (a loopback or
      // in-house mirror) is named in the comment instead.
      boolean downloadable = isSpdxLocation(p.download());
      n.put("downloadLocation", downloadable ? p.download() : NOASSERTION);
      n.put("filesAnalyzed", false);
      ArrayNode checksums = n.putArray("checksums");
      String sha1 = Sbom.q1Hex(p.controlChecksum());
      if (sha1 != null) {
        checksums.addObject().put("algorithm", "SHA1").put("checksumValue", sha1);
      }
      if (p.dataSha256() != null) {
        checksums.addObject().put("algorithm", "SHA256").put("checksumValue", p.dataSha256());
      }
      if (Sbom.present(p.info().url()) && p.info().url().matches("https?://\\S+")) {
        n.put("homepage", p.info().url());
      }
      if (Sbom.present(p.info().origin())) {
        n.put("sourceInfo", "built from the apk origin package " + p.info().origin());
      }
      n.put("licenseConcluded", NOASSERTION);
      String license = p.info().license();
      n.put("licenseDeclared", !Sbom.present(license) ? NOASSERTION
          : licenseRefs.getOrDefault(license, license.strip()));
      n.put("copyrightText", NOASSERTION);
      if (Sbom.present(p.info().description())) {
        n.put("description", p.info().description());
      }
      n.put("comment", "Checksums: SHA1 is apk's Q1 identity (the control stream's SHA-1, "
          + p.controlChecksum() + "), SHA256 the data stream's (apk's datahash)."
          + (p.repository() == null ? "" : " Repository: " + p.repository())
          + (p.download() == null || downloadable ? "" : " Download: " + p.download()));
      n.putArray("externalRefs").addObject().put("referenceCategory", "PACKAGE-MANAGER")
          .put("referenceType", "purl").put("referenceLocator", Sbom.purl(facts, p));
      n.put("primaryPackagePurpose", "LIBRARY");
    }

    ArrayNode relationships = doc.putArray("relationships");
    relationship(relationships, "SPDXRef-DOCUMENT", "DESCRIBES", IMAGE_ID);
    if (os != null) {
      relationship(relationships, IMAGE_ID, "CONTAINS", OS_ID);
    }
    for (ImageFacts.InstalledPackage p : facts.packages()) {
      relationship(relationships, IMAGE_ID, "CONTAINS", ids.get(p.info().name()));
    }
    for (ImageFacts.InstalledPackage p : facts.packages()) {
      for (String dependency : p.dependsOn()) {
        String target = ids.get(dependency);
        if (target != null) {
          relationship(relationships, ids.get(p.info().name()), "DEPENDS_ON", target);
        }
      }
    }
    // SPDX has no type for apk's install_if (installed because others are): OTHER, with a comment.
    for (ImageFacts.InstalledPackage p : facts.packages()) {
      for (String trigger : Sbom.installIfNames(p)) {
        String target = ids.get(trigger);
        if (target != null) {
          relationship(relationships, ids.get(p.info().name()), "OTHER", target).put("comment",
              "install_if: apk installed " + p.info().name() + " because " + trigger + " is installed");
        }
      }
    }
    if (facts.application() != null) {
      application(facts.application(), packages, relationships, usedIds);
    }
    return doc;
  }

  /**
   * The application and its jars as packages the image CONTAINS, the application DEPENDS_ON each
   * jar; licences are not asserted (a jar's POM may name one, which the build does not read).
   */
  private static void application(ImageFacts.Application app, ArrayNode packages, ArrayNode relationships,
      Set<String> usedIds) {
    String appId = mavenPackage(app.application(), "APPLICATION", packages, usedIds);
    relationship(relationships, IMAGE_ID, "CONTAINS", appId);
    for (ImageFacts.Component jar : app.dependencies()) {
      String jarId = mavenPackage(jar, "LIBRARY", packages, usedIds);
      relationship(relationships, IMAGE_ID, "CONTAINS", jarId);
      relationship(relationships, appId, "DEPENDS_ON", jarId);
    }
  }

  /** One Maven artifact as an SPDX package; returns its id. */
  private static String mavenPackage(ImageFacts.Component c, String purpose, ArrayNode packages, Set<String> usedIds) {
    String id = unique("SPDXRef-Package-maven-" + idPart(c.groupId() + "-" + c.artifactId() + "-" + c.version()
        + (Sbom.present(c.classifier()) ? "-" + c.classifier() : "")), usedIds);
    ObjectNode n = packages.addObject();
    n.put("name", c.artifactId());
    n.put("SPDXID", id);
    n.put("versionInfo", c.version());
    n.put("supplier", NOASSERTION);
    n.put("downloadLocation", NOASSERTION);
    n.put("filesAnalyzed", false);
    if (c.sha256() != null) {
      n.putArray("checksums").addObject().put("algorithm", "SHA256").put("checksumValue", c.sha256());
    }
    n.put("licenseConcluded", NOASSERTION);
    n.put("licenseDeclared", NOASSERTION);
    n.put("copyrightText", NOASSERTION);
    n.put("comment", "Maven " + c.groupId() + ":" + c.artifactId() + ":" + c.version()
        + (Sbom.present(c.type()) ? " (" + c.type() + ")" : "")
        + (Sbom.present(c.scope()) ? ", scope " + c.scope() : "")
        + (Sbom.present(c.path()) ? "; in the image at " + c.path() : "")
        + (c.sha256() != null ? "; SHA256 is that file's." : "."));
    n.putArray("externalRefs").addObject().put("referenceCategory", "PACKAGE-MANAGER")
        .put("referenceType", "purl").put("referenceLocator", Purl.maven(c));
    n.put("primaryPackagePurpose", purpose);
    return id;
  }

  /** An http(s) URL that SPDX 2.3's download location pattern accepts: a host name with a 2-5 letter top-level domain. */
  private static boolean isSpdxLocation(String url) {
    return url != null && SPDX_LOCATION.matcher(url).matches();
  }

  private static ObjectNode relationship(ArrayNode relationships, String from, String type, String to) {
    return relationships.addObject().put("spdxElementId", from).put("relationshipType", type)
        .put("relatedSpdxElement", to);
  }

  private static String idPart(String s) {
    StringBuilder out = new StringBuilder();
    for (char ch : s.toCharArray()) {
      out.append(ch >= 'A' && ch <= 'Z' || ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '.' || ch == '-'
          ? ch : '-');
    }
    return out.toString();
  }

  /** {@code id}, or {@code id-2}, {@code id-3}... when taken: two inputs that map to one id stay apart. */
  private static String unique(String id, Set<String> used) {
    String candidate = id;
    for (int n = 2; !used.add(candidate); n++) {
      candidate = id + "-" + n;
    }
    return candidate;
  }
}
