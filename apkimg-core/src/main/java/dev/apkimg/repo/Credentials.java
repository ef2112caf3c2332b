package dev.apkimg.repo;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * The user and password of a repository or key URL: written in it ({@code https://user:password@host/})
 * or found for its host by {@link RepositoryAuth} ({@code source} says where). They are sent as HTTP Basic auth to that URL's origin (scheme, host and port) only, and never
 * printed or written: {@link #redact(String)} takes them out of any text that may hold a URL, and
 * {@link #strip(URI)} out of a URI, as apko writes repository URLs without them.
 */
public record Credentials(String user, String password, String source) {
  /** Credentials written in a URL. */
  public Credentials(String user, String password) {
    this(user, password, "the URL");
  }

  /** Where they came from, for messages: "the URL", "HTTP_AUTH", "netrc FILE". */
  String from() {
    return source.equals("the URL") ? "in the URL" : "from " + source;
  }

  // scheme://userinfo@ up to the last '@' before the path, so a raw '@' in a password goes too.
  private static final Pattern USERINFO = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*://)[^/?#\\s'\"]*@");

  /** The credentials in {@code uri}'s user info (percent-decoded), or null when it has none. */
  public static Credentials of(URI uri) {
    String userInfo = uri.getUserInfo();
    if (userInfo == null || userInfo.isEmpty()) {
      return null;
    }
    int colon = userInfo.indexOf(':');
    return colon < 0 ? new Credentials(userInfo, "") : new Credentials(userInfo.substring(0, colon), userInfo.substring(colon + 1));
  }

  /** {@code uri} without its user info; the same URI when it has none. */
  public static URI strip(URI uri) {
    String authority = uri.getRawAuthority();
    if (authority == null || authority.indexOf('@') < 0) {
      return uri;
    }
    if (uri.getHost() == null) {
      // Not a server authority (e.g. a raw '@' in the password): take the text apart instead.
      return URI.create(redact(uri.toString()));
    }
    try {
      // The raw parts, so percent-encoded characters in the path stay as they were.
      StringBuilder s = new StringBuilder(uri.getScheme()).append("://").append(uri.getHost());
      if (uri.getPort() >= 0) {
        s.append(':').append(uri.getPort());
      }
      if (uri.getRawPath() != null) {
        s.append(uri.getRawPath());
      }
      if (uri.getRawQuery() != null) {
        s.append('?').append(uri.getRawQuery());
      }
      if (uri.getRawFragment() != null) {
        s.append('#').append(uri.getRawFragment());
      }
      return new URI(s.toString());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("not a valid URL: " + redact(uri.toString()), e);
    }
  }

  /** {@code text} with the user info of every URL in it removed; null stays null. */
  public static String redact(String text) {
    return text == null || text.indexOf('@') < 0 ? text : USERINFO.matcher(text).replaceAll("$1");
  }

  /** The value of the {@code Authorization} header. */
  String basicAuthorization() {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "Credentials[user=" + user + ", password=***, source=" + source + "]";
  }
}
