package dev.apkimg.sbom;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Package URLs (purl spec) for apk packages, Maven artifacts and the image. */
final class Purl {
  private static final Pattern ALPINE_RELEASE = Pattern.compile("/v(\\d+\\.\\d+)(/|$)");
  private static final Pattern EDGE = Pattern.compile("/edge(/|$)");

  private Purl() {}

  /**
   * {@code pkg:apk/NAMESPACE/NAME@VERSION?arch=ARCH&distro=DISTRO}, e.g. {@code
   * pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20}; {@code distro} left out when null.
   */
  static String apk(String namespace, String name, String version, String arch, String distro) {
    StringBuilder purl = new StringBuilder("pkg:apk/").append(encode(namespace)).append('/').append(encode(name))
        .append('@').append(encode(version));
    purl.append("?arch=").append(encode(arch));
    if (distro != null) {
      purl.append("&distro=").append(encode(distro));
    }
    return purl.toString();
  }

  /**
   * The purl namespace of apk packages: the image's os-release ID (lower case) when it has one,
   * else the vendor the repository's host names (Wolfi, Chainguard), else {@code alpine}.
   */
  static String namespace(ImageFacts.OperatingSystem os, String repository) {
    if (os != null) {
      return os.id().toLowerCase(java.util.Locale.ROOT);
    }
    String host = repository == null ? "" : hostOf(repository);
    if (host.equals("packages.wolfi.dev") || host.endsWith(".wolfi.dev")) {
      return "wolfi";
    }
    if (host.equals("packages.cgr.dev") || host.endsWith(".cgr.dev")) {
      return "chainguard";
    }
    return "alpine";
  }

  /**
   * The purl {@code distro} qualifier: {@code ID-X.Y} from the image's os-release ({@code
   * alpine-3.20} of 3.20.3, {@code wolfi-20230201}), else {@code alpine-X.Y} or {@code
   * alpine-edge} from an Alpine repository's path; null when neither names one.
   */
  static String distro(ImageFacts.OperatingSystem os, String repository) {
    if (os != null && os.versionId() != null) {
      java.util.regex.Matcher m = Pattern.compile("^(\\d+\\.\\d+)").matcher(os.versionId());
      return os.id().toLowerCase(java.util.Locale.ROOT) + "-" + (m.find() ? m.group(1) : os.versionId());
    }
    if (os != null && !"alpine".equalsIgnoreCase(os.id())) {
      return null; // another vendor's repository path says nothing about its release
    }
    return distro(repository);
  }

  private static String hostOf(String url) {
    try {
      String host = java.net.URI.create(url).getHost();
      return host == null ? "" : host.toLowerCase(java.util.Locale.ROOT);
    } catch (IllegalArgumentException e) {
      return "";
    }
  }

  /** {@code alpine-X.Y} or {@code alpine-edge} from a repository URL, or null. */
  static String distro(String repository) {
    if (repository == null) {
      return null;
    }
    Matcher m = ALPINE_RELEASE.matcher(repository);
    String release = null;
    while (m.find()) {
      release = m.group(1); // the last one: a mirror's own path may hold a v-number too
    }
    if (release != null) {
      return "alpine-" + release;
    }
    return EDGE.matcher(repository).find() ? "alpine-edge" : null;
  }

  /** {@code pkg:oci/NAME@sha256%3A...?arch=ARCH}: NAME is the reference's last path segment, without tag. */
  static String oci(String reference, String digest, String arch) {
    String name = reference;
    int at = name.indexOf('@');
    if (at >= 0) {
      name = name.substring(0, at);
    }
    int slash = name.lastIndexOf('/');
    int colon = name.lastIndexOf(':');
    if (colon > slash) {
      name = name.substring(0, colon);
    }
    name = name.substring(slash + 1).toLowerCase(java.util.Locale.ROOT);
    return "pkg:oci/" + encode(name) + "@" + encode(digest) + "?arch=" + encode(arch);
  }

  /**
   * {@code pkg:maven/GROUP/ARTIFACT@VERSION}, with the qualifiers {@code classifier} and {@code type}
   * (in that order, as the spec sorts them) when there is a classifier or the type is not {@code jar}.
   */
  static String maven(String groupId, String artifactId, String version, String type, String classifier) {
    StringBuilder purl = new StringBuilder("pkg:maven/").append(encode(groupId)).append('/').append(encode(artifactId))
        .append('@').append(encode(version));
    char separator = '?';
    if (classifier != null && !classifier.isBlank()) {
      purl.append(separator).append("classifier=").append(encode(classifier));
      separator = '&';
    }
    if (type != null && !type.isBlank() && !"jar".equals(type)) {
      purl.append(separator).append("type=").append(encode(type));
    }
    return purl.toString();
  }

  /** {@link #maven(String, String, String, String, String)} of a component. */
  static String maven(ImageFacts.Component c) {
    return maven(c.groupId(), c.artifactId(), c.version(), c.type(), c.classifier());
  }

  /** Percent-encodes all but the purl spec's unreserved characters. */
  static String encode(String s) {
    StringBuilder out = new StringBuilder();
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      char ch = (char) (b & 0xff);
      if (ch >= 'A' && ch <= 'Z' || ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9'
          || ch == '.' || ch == '-' || ch == '_' || ch == '~') {
        out.append(ch);
      } else {
        out.append('%').append(String.format("%02X", b & 0xff));
      }
    }
    return out.toString();
  }
}
