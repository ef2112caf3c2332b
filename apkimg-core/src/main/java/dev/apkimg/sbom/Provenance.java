package dev.apkimg.sbom;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The provenance of one architecture's image: an in-toto Statement v1 whose predicate is SLSA
 * Provenance v1, from what the build already knows. Same inputs, same bytes: keys in a fixed
 * order, no wall-clock time (no {@code startedOn}/{@code finishedOn}: the only time it could
 * honestly give is the build's, which differs on every run), no invocation id, no path or name
 * of the building machine, no credentials.
 *
 * <p>{@code buildDefinition.buildType} is {@value #BUILD_TYPE}: an apkimg build of an image from
 * an image profile. Its {@code externalParameters} are:
 * <ul>
 *   <li>{@code profile}: {@code file} (the file name), {@code sha256} (of its bytes) and
 *       {@code checksum} (of what it means with its includes merged in, as lockfiles record it), and
 *       when it includes others, {@code includes}: each file the includes read, once, sorted by
 *       {@code file} (its path relative to the profile's folder, {@code /} separated) with its
 *       {@code sha256};
 *   <li>{@code lockfile}: {@code file} and {@code sha256}, when the packages were installed from
 *       one: such a build reads no index, so the lockfile's digest stands for the indexes;
 *   <li>{@code arch}, {@code image} (the reference given), {@code layering} ({@code strategy},
 *       and {@code budget} with {@code packages}), {@code repositories} (only when the build was
 *       given repositories in place of the profile's; without credentials), {@code created} (the
 *       image's creation time), {@code sourceDateEpoch} (when given), {@code allowUntrusted}.
 * </ul>
 * Its {@code resolvedDependencies} are, in this order: every installed package (its .apk URL,
 * {@code digest.sha256} of the .apk file as fetched and verified, {@code name}, and annotations
 * {@code name}, {@code version}, {@code arch}, {@code apkChecksum} (apk's {@code Q1} control
 * checksum) and {@code apkDataSha256} (the signed data hash)), every repository index read
 * ({@code APKINDEX.tar.gz} URL, SHA-256 of the bytes read) and every trusted key that verified
 * something ({@code name}, SHA-256 of the key file, as in the image's {@code etc/apk/keys}).
 *
 * <p>An image a front end put an application on (the Maven plugin: {@code Apkimg.buildBase}, its
 * layers, {@code Apkimg.publish}) has the same build type and the base's parameters and materials
 * above (the subject, {@code image} and {@code created} are the published image's), and adds:
 * <ul>
 *   <li>to {@code externalParameters}, {@code application}: {@code project} (the Maven project as
 *       {@code groupId:artifactId:version}), {@code packaging} and {@code path} (the folder of the
 *       image it lies in, e.g. {@code /app});
 *   <li>to {@code resolvedDependencies}, after the keys, every jar that went into the image, in
 *       classpath order: {@code uri} its {@code pkg:maven} purl, {@code digest.sha256} the SHA-256
 *       of the file as it is in the image, {@code name} its file name there, and annotations
 *       {@code kind} ({@code maven dependency}), {@code groupId}, {@code artifactId},
 *       {@code version}, {@code type}, {@code classifier} (when it has one), {@code scope} and
 *       {@code path} (its path in the image).
 * </ul>
 * The application's own classes and resources are not a material: they are what the project
 * built, named by {@code application.project}.
 *
 * <p>{@code runDetails.builder.id} is {@code https://apkimg.dev/builder/apkimg@VERSION};
 * {@code builder.version} names apkimg's and jib-core's versions, not the JVM's: the image's bytes
 * do not depend on the JVM, and naming it would give two machines different provenance for the
 * same image.
 */
public final class Provenance {
  public static final String STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
  public static final String PREDICATE_TYPE = "https://slsa.dev/provenance/v1";
  public static final String BUILD_TYPE = "https://apkimg.dev/provenance/build/v1";
  public static final String MEDIA_TYPE = "application/vnd.in-toto+json";

  private Provenance() {}

  /** The statement, as JSON. */
  public static byte[] json(ProvenanceFacts facts) {
    return Sbom.bytes(statement(facts));
  }

  /**
   * The provenance of a multi-platform image's index: the same build type, the subject the image index
   * (name, its digest), the build's parameters with {@code archs} (every platform's, in index order) in
   * place of {@code arch} and the index's {@code created} (the newest platform's), and as
   * {@code resolvedDependencies} the union of every platform's, each once, in platform order: one build
   * read them all to make the index. (The platforms' own provenance documents are not materials: they
   * are outputs of the same build, not inputs, so SLSA v1 has no place for them among the dependencies.)
   *
   * @param platforms each platform's provenance facts, in index order (all of the same build)
   * @param indexDigest the image index's digest ({@code sha256:...})
   * @param created the index's creation time
   */
  public static byte[] indexJson(java.util.List<ProvenanceFacts> platforms, String indexDigest,
      java.time.Instant created) {
    ProvenanceFacts first = platforms.get(0);
    ProvenanceFacts index = new ProvenanceFacts(first.reference(), indexDigest, created, first.toolVersion(),
        first.jibVersion(), first.parameters(), java.util.List.of(), java.util.List.of(), java.util.List.of(),
        first.application());
    ObjectNode root = statement(index);
    ObjectNode definition = (ObjectNode) root.get("predicate").get("buildDefinition");
    ObjectNode parameters = Sbom.JSON.createObjectNode();
    definition.get("externalParameters").fields().forEachRemaining(f -> {
      if (f.getKey().equals("arch")) {
        ArrayNode archs = parameters.putArray("archs");
        platforms.forEach(p -> archs.add(p.parameters().arch()));
      } else {
        parameters.set(f.getKey(), f.getValue());
      }
    });
    definition.set("externalParameters", parameters);
    java.util.Set<com.fasterxml.jackson.databind.JsonNode> union = new java.util.LinkedHashSet<>();
    for (ProvenanceFacts p : platforms) {
      statement(p).get("predicate").get("buildDefinition").get("resolvedDependencies").forEach(union::add);
    }
    ArrayNode resolved = definition.putArray("resolvedDependencies");
    union.forEach(resolved::add);
    return Sbom.bytes(root);
  }

  /** The jib-core version the build put in the jar ({@code unknown} when it did not). */
  public static String jibVersion() {
    return Sbom.versionProperty("jib-core");
  }

  static ObjectNode statement(ProvenanceFacts facts) {
    ObjectNode root = Sbom.JSON.createObjectNode();
    root.put("_type", STATEMENT_TYPE);
    ObjectNode subject = root.putArray("subject").addObject();
    subject.put("name", facts.reference());
    subject.putObject("digest").put("sha256", Sbom.sha256Hex(facts.manifestDigest()));
    root.put("predicateType", PREDICATE_TYPE);
    ObjectNode predicate = root.putObject("predicate");

    ObjectNode definition = predicate.putObject("buildDefinition");
    definition.put("buildType", BUILD_TYPE);
    externalParameters(definition.putObject("externalParameters"), facts);
    ArrayNode resolved = definition.putArray("resolvedDependencies");
    for (ProvenanceFacts.Package p : facts.packages()) {
      ObjectNode d = resolved.addObject();
      d.put("uri", p.uri());
      if (p.fileSha256() != null) {
        d.putObject("digest").put("sha256", p.fileSha256());
      }
      d.put("name", p.name());
      ObjectNode a = d.putObject("annotations");
      a.put("name", p.name());
      a.put("version", p.version());
      if (p.arch() != null) {
        a.put("arch", p.arch());
      }
      if (p.controlChecksum() != null) {
        a.put("apkChecksum", p.controlChecksum());
      }
      if (p.dataSha256() != null) {
        a.put("apkDataSha256", p.dataSha256());
      }
    }
    for (ProvenanceFacts.Index i : facts.indexes()) {
      ObjectNode d = resolved.addObject();
      d.put("uri", i.uri());
      d.putObject("digest").put("sha256", i.sha256());
      d.put("name", "APKINDEX.tar.gz");
    }
    for (ProvenanceFacts.Key k : facts.keys()) {
      ObjectNode d = resolved.addObject();
      d.put("name", k.name());
      d.putObject("digest").put("sha256", k.sha256());
      d.putObject("annotations").put("kind", "apk signing key");
    }
    if (facts.application() != null) {
      for (ImageFacts.Component jar : facts.application().dependencies()) {
        resolved.add(jar(jar));
      }
    }

    ObjectNode builder = predicate.putObject("runDetails").putObject("builder");
    builder.put("id", "https://apkimg.dev/builder/apkimg@" + facts.toolVersion());
    ObjectNode versions = builder.putObject("version");
    versions.put("apkimg", facts.toolVersion());
    if (facts.jibVersion() != null) {
      versions.put("jib-core", facts.jibVersion());
    }
    return root;
  }

  /** One jar in the image as a material: its purl, the digest of the file in the image, what Maven calls it. */
  private static ObjectNode jar(ImageFacts.Component jar) {
    ObjectNode d = Sbom.JSON.createObjectNode();
    d.put("uri", Purl.maven(jar));
    if (jar.sha256() != null) {
      d.putObject("digest").put("sha256", jar.sha256());
    }
    d.put("name", jar.path() != null ? jar.path().substring(jar.path().lastIndexOf('/') + 1)
        : jar.artifactId() + "-" + jar.version() + (jar.classifier() == null ? "" : "-" + jar.classifier()) + "."
            + (jar.type() == null ? "jar" : jar.type()));
    ObjectNode a = d.putObject("annotations");
    a.put("kind", "maven dependency");
    a.put("groupId", jar.groupId());
    a.put("artifactId", jar.artifactId());
    a.put("version", jar.version());
    if (jar.type() != null) {
      a.put("type", jar.type());
    }
    if (jar.classifier() != null) {
      a.put("classifier", jar.classifier());
    }
    if (jar.scope() != null) {
      a.put("scope", jar.scope());
    }
    if (jar.path() != null) {
      a.put("path", jar.path());
    }
    return d;
  }

  private static void externalParameters(ObjectNode out, ProvenanceFacts facts) {
    ProvenanceFacts.Parameters p = facts.parameters();
    ObjectNode profile = out.putObject("profile");
    if (p.profileFile() != null) {
      profile.put("file", p.profileFile());
    }
    if (p.profileSha256() != null) {
      profile.put("sha256", p.profileSha256());
    }
    if (p.profileChecksum() != null) {
      profile.put("checksum", p.profileChecksum());
    }
    if (!p.profileIncludes().isEmpty()) {
      // The checksum covers what the includes mean; each file by its bytes lets a verifier check each input.
      ArrayNode includes = profile.putArray("includes");
      p.profileIncludes().forEach(i -> includes.addObject().put("file", i.file()).put("sha256", i.sha256()));
    }
    if (p.lockfile() != null) {
      out.putObject("lockfile").put("file", p.lockfile()).put("sha256", p.lockfileSha256());
    }
    out.put("arch", p.arch());
    out.put("image", facts.reference());
    ObjectNode layering = out.putObject("layering").put("strategy", p.layering());
    if (p.layeringBudget() != null) {
      layering.put("budget", p.layeringBudget());
    }
    if (!p.repositories().isEmpty()) {
      ArrayNode repositories = out.putArray("repositories");
      p.repositories().forEach(repositories::add);
    }
    out.put("created", facts.created().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
    if (p.sourceDateEpoch() != null) {
      out.put("sourceDateEpoch", p.sourceDateEpoch());
    }
    out.put("allowUntrusted", p.allowUntrusted());
    if (facts.application() != null) {
      ImageFacts.Component app = facts.application().application();
      ObjectNode application = out.putObject("application");
      application.put("project", app.groupId() + ":" + app.artifactId() + ":" + app.version());
      if (app.type() != null) {
        application.put("packaging", app.type());
      }
      if (app.path() != null) {
        application.put("path", app.path());
      }
    }
  }
}
