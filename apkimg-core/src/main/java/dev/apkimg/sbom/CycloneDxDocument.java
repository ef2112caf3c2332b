package dev.apkimg.sbom;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/** CycloneDX 1.6 JSON: the image as the metadata's component, the apk packages as components. */
final class CycloneDxDocument {
  private CycloneDxDocument() {}

  static ObjectNode of(ImageFacts facts) {
    ObjectNode bom = Sbom.JSON.createObjectNode();
    bom.put("bomFormat", "CycloneDX");
    bom.put("specVersion", "1.6");
    bom.put("serialNumber", "urn:uuid:" + Sbom.uuid("cyclonedx", facts));
    bom.put("version", 1);
    ObjectNode metadata = bom.putObject("metadata");
    metadata.put("timestamp", Sbom.time(facts));
    metadata.putObject("tools").putArray("components").addObject()
        .put("type", "application").put("name", "apkimg").put("version", facts.toolVersion());
    String imageRef = Purl.oci(facts.reference(), facts.manifestDigest(), facts.arch());
    ObjectNode image = metadata.putObject("component");
    image.put("type", "container");
    image.put("bom-ref", imageRef);
    image.put("name", facts.reference());
    image.put("version", facts.manifestDigest());
    String manifest = Sbom.sha256Hex(facts.manifestDigest());
    if (manifest != null) {
      image.putArray("hashes").addObject().put("alg", "SHA-256").put("content", manifest);
    }
    image.put("purl", imageRef);
    ArrayNode imageProperties = image.putArray("properties");
    imageProperties.addObject().put("name", "apkimg:image:platform").put("value", facts.platform());
    if (facts.configDigest() != null) {
      imageProperties.addObject().put("name", "apkimg:image:config-digest").put("value", facts.configDigest());
    }

    Map<String, String> refs = new HashMap<>();
    for (ImageFacts.InstalledPackage p : facts.packages()) {
      refs.put(p.info().name(), Sbom.purl(facts, p));
    }
    ArrayNode components = bom.putArray("components");
    ImageFacts.OperatingSystem os = facts.os();
    String osRef = null;
    if (os != null) {
      // Scanners take the distribution from here to choose their vulnerability data.
      osRef = "os:" + os.id() + (os.versionId() == null ? "" : "@" + os.versionId());
      ObjectNode c = components.addObject();
      c.put("type", "operating-system");
      c.put("bom-ref", osRef);
      c.put("name", os.id());
      if (os.versionId() != null) {
        c.put("version", os.versionId());
      }
      if (os.name() != null) {
        c.put("description", os.name());
      }
    }
    for (ImageFacts.InstalledPackage p : facts.packages()) {
      ObjectNode c = components.addObject();
      c.put("type", "library");
      c.put("bom-ref", refs.get(p.info().name()));
      String[] person = Sbom.person(p.info().maintainer());
      if (person != null) {
        ObjectNode supplier = c.putObject("supplier");
        supplier.put("name", person[0]);
        supplier.putArray("contact").addObject().put("name", person[0]).put("email", person[1]);
      } else if (Sbom.present(p.info().maintainer())) {
        c.putObject("supplier").put("name", p.info().maintainer().strip());
      }
      c.put("name", p.info().name());
      c.put("version", p.info().version());
      if (Sbom.present(p.info().description())) {
        c.put("description", p.info().description());
      }
      ArrayNode hashes = c.putArray("hashes");
      String sha1 = Sbom.q1Hex(p.controlChecksum());
      if (sha1 != null) {
        hashes.addObject().put("alg", "SHA-1").put("content", sha1);
      }
      if (p.dataSha256() != null) {
        hashes.addObject().put("alg", "SHA-256").put("content", p.dataSha256());
      }
      String license = p.info().license();
      if (Sbom.present(license)) {
        ArrayNode licenses = c.putArray("licenses");
        if (SpdxLicense.isExpression(license)) {
          licenses.addObject().put("expression", license.strip());
        } else {
          licenses.addObject().putObject("license").put("name", license.strip());
        }
      }
      c.put("purl", refs.get(p.info().name()));
      ArrayNode external = c.putArray("externalReferences");
      if (p.download() != null) {
        external.addObject().put("type", "distribution").put("url", p.download());
      }
      if (Sbom.present(p.info().url()) && p.info().url().matches("https?://\\S+")) {
        external.addObject().put("type", "website").put("url", p.info().url());
      }
      ArrayNode properties = c.putArray("properties");
      if (Sbom.present(p.info().origin())) {
        properties.addObject().put("name", "apkimg:apk:origin").put("value", p.info().origin());
      }
      if (p.controlChecksum() != null) {
        properties.addObject().put("name", "apkimg:apk:checksum").put("value", p.controlChecksum());
      }
      if (p.repository() != null) {
        properties.addObject().put("name", "apkimg:apk:repository").put("value", p.repository());
      }
      if (!p.installIf().isEmpty()) {
        // CycloneDX has no relation for "installed because others are": apk's condition as declared.
        properties.addObject().put("name", "apkimg:apk:install-if").put("value", String.join(" ", p.installIf()));
      }
    }

    ArrayNode dependencies = bom.putArray("dependencies");
    ArrayNode contained = dependencies.addObject().put("ref", imageRef).putArray("dependsOn");
    if (osRef != null) {
      contained.add(osRef);
    }
    facts.packages().forEach(p -> contained.add(refs.get(p.info().name())));
    for (ImageFacts.InstalledPackage p : facts.packages()) {
      Set<String> on = new LinkedHashSet<>();
      p.dependsOn().stream().map(refs::get).filter(r -> r != null).forEach(on::add);
      ArrayNode dependsOn = dependencies.addObject().put("ref", refs.get(p.info().name())).putArray("dependsOn");
      on.forEach(dependsOn::add);
    }
    if (facts.application() != null) {
      application(facts.application(), components, contained, dependencies);
    }
    return bom;
  }

  /**
   * The application and its jars as components: the image lists them with its packages, the
   * application depends on each jar. Maven's compile and runtime scopes (all that reach the image)
   * are CycloneDX's {@code required}; the Maven scope itself is a property.
   */
  private static void application(ImageFacts.Application app, ArrayNode components, ArrayNode contained,
      ArrayNode dependencies) {
    String appRef = mavenComponent(app.application(), "application", components);
    contained.add(appRef);
    ArrayNode appDependsOn = dependencies.addObject().put("ref", appRef).putArray("dependsOn");
    for (ImageFacts.Component jar : app.dependencies()) {
      String jarRef = mavenComponent(jar, "library", components);
      contained.add(jarRef);
      appDependsOn.add(jarRef);
      dependencies.addObject().put("ref", jarRef).putArray("dependsOn");
    }
  }

  /** One Maven artifact as a component; returns its bom-ref (its purl). */
  private static String mavenComponent(ImageFacts.Component m, String type, ArrayNode components) {
    String purl = Purl.maven(m);
    ObjectNode c = components.addObject();
    c.put("type", type);
    c.put("bom-ref", purl);
    c.put("group", m.groupId());
    c.put("name", m.artifactId());
    c.put("version", m.version());
    if (m.scope() != null) {
      c.put("scope", switch (m.scope()) {
        case "compile", "runtime", "system" -> "required";
        default -> "optional";
      });
    }
    if (m.sha256() != null) {
      c.putArray("hashes").addObject().put("alg", "SHA-256").put("content", m.sha256());
    }
    c.put("purl", purl);
    ArrayNode properties = c.putArray("properties");
    if (m.scope() != null) {
      properties.addObject().put("name", "apkimg:maven:scope").put("value", m.scope());
    }
    if (Sbom.present(m.type())) {
      properties.addObject().put("name", "apkimg:maven:type").put("value", m.type());
    }
    if (m.path() != null) {
      properties.addObject().put("name", "apkimg:image:path").put("value", m.path());
    }
    return purl;
  }
}
