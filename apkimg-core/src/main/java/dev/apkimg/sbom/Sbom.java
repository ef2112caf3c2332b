package dev.apkimg.sbom;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The bill of materials of one architecture's image, in SPDX 2.3 JSON and CycloneDX 1.6 JSON.
 * Same facts, same bytes: keys and elements in a fixed order, identifiers derived from the
 * image's manifest digest (no random UUIDs), times the image's creation time.
 */
public final class Sbom {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectWriter WRITER = JSON.writer(new DefaultPrettyPrinter()
      .withObjectIndenter(new DefaultIndenter("  ", "\n"))
      .withArrayIndenter(new DefaultIndenter("  ", "\n")));
  private static final Pattern PERSON = Pattern.compile("^\\s*([^<>]*?)\\s*<([^<>\\s]+@[^<>\\s]+)>\\s*$");

  private Sbom() {}

  /** The SPDX 2.3 JSON document. */
  public static byte[] spdxJson(ImageFacts facts) {
    return bytes(SpdxDocument.of(facts));
  }

  /** The CycloneDX 1.6 JSON document. */
  public static byte[] cycloneDxJson(ImageFacts facts) {
    return bytes(CycloneDxDocument.of(facts));
  }

  /** The SPDX 2.3 JSON document of a multi-architecture image index, referring to each platform's. */
  public static byte[] indexSpdxJson(IndexFacts facts) {
    return bytes(IndexDocuments.spdx(facts));
  }

  /** The CycloneDX 1.6 JSON document of a multi-architecture image index, referring to each platform's. */
  public static byte[] indexCycloneDxJson(IndexFacts facts) {
    return bytes(IndexDocuments.cycloneDx(facts));
  }

  /** A document this class wrote, read back. */
  static com.fasterxml.jackson.databind.JsonNode tree(byte[] document) {
    try {
      return JSON.readTree(document);
    } catch (IOException e) {
      throw new UncheckedIOException("an SBOM apkimg wrote does not parse", e);
    }
  }

  /** apkimg's version, as the build put it in the jar ({@code unknown} when it did not). */
  public static String toolVersion() {
    return versionProperty("version");
  }

  /** A version the build put into {@code version.properties}, or {@code unknown}. */
  static String versionProperty(String key) {
    Properties p = new Properties();
    try (InputStream in = Sbom.class.getResourceAsStream("version.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      return "unknown";
    }
    String v = p.getProperty(key, "unknown");
    return v.startsWith("${") ? "unknown" : v;
  }

  static byte[] bytes(ObjectNode document) {
    try {
      byte[] body = WRITER.writeValueAsBytes(document);
      byte[] out = new byte[body.length + 1];
      System.arraycopy(body, 0, out, 0, body.length);
      out[body.length] = '\n';
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serialise the SBOM", e);
    }
  }

  // Shared by both formats.

  /** A name-based UUID (version 3) for {@code what} of the image: the same image, the same identifier. */
  static UUID uuid(String what, ImageFacts facts) {
    return UUID.nameUUIDFromBytes(("apkimg-sbom:" + what + ":" + facts.manifestDigest() + ":" + facts.arch())
        .getBytes(StandardCharsets.UTF_8));
  }

  /** RFC 3339 in whole seconds, as SPDX requires. */
  static String time(ImageFacts facts) {
    return facts.created().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /** The SHA-1 (hex) in apk's {@code Q1...} identity, or null when it is not one. */
  static String q1Hex(String q1) {
    if (q1 == null || !q1.startsWith("Q1")) {
      return null;
    }
    try {
      byte[] sha1 = Base64.getDecoder().decode(q1.substring(2));
      return sha1.length == 20 ? HexFormat.of().formatHex(sha1) : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** A maintainer {@code Name <email>} as name and email; null when it is not that form. */
  static String[] person(String maintainer) {
    if (maintainer == null) {
      return null;
    }
    Matcher m = PERSON.matcher(maintainer);
    return m.matches() && !m.group(1).isEmpty() ? new String[] {m.group(1), m.group(2)} : null;
  }

  static boolean present(String s) {
    return s != null && !s.isBlank();
  }

  /** The lower-case hex after {@code sha256:}, or null. */
  static String sha256Hex(String digest) {
    return digest != null && digest.startsWith("sha256:") ? digest.substring(7) : null;
  }

  /** The names in a package's {@code install_if} condition. */
  static java.util.List<String> installIfNames(ImageFacts.InstalledPackage p) {
    java.util.List<String> names = new java.util.ArrayList<>();
    for (String condition : p.installIf()) {
      try {
        dev.apkimg.apk.Dependency d = dev.apkimg.apk.Dependency.parse(condition);
        if (!d.conflict() && !names.contains(d.name())) {
          names.add(d.name());
        }
      } catch (RuntimeException e) {
        // as declared, not understood: the CycloneDX property still carries it
      }
    }
    return names;
  }

  static String purl(ImageFacts facts, ImageFacts.InstalledPackage p) {
    return Purl.apk(Purl.namespace(facts.os(), p.repository()), p.info().name(), p.info().version(),
        present(p.info().arch()) ? p.info().arch() : facts.arch(), Purl.distro(facts.os(), p.repository()));
  }
}
