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
   * {@code pkg:apk/alpine/NAME@VERSION?arch=ARCH&distro=alpine-X.Y}; the distro from the
   * repository's path ({@code .../v3.20/main}, {@code .../edge/community}), left out when it names none.
   */
  static String apk(String name, String version, String arch, String repository) {
    StringBuilder purl = new StringBuilder("pkg:apk/alpine/").append(encode(name)).append('@').append(encode(version));
    purl.append("?arch=").append(encode(arch));
    String distro = distro(repository);
    if (distro != null) {
      purl.append("&distro=").append(encode(distro));
    }
    return purl.toString();
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
