package dev.apkimg.repo;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The redirect and credential rules of {@link RepositoryClient}: where a redirect may lead, which
 * origin credentials go to, and what a refused login says. Kept apart so the client's request
 * loop reads as a loop and these security rules can be read (and tested) in one place.
 */
final class Redirects {
  static final Set<Integer> STATUSES = Set.of(301, 302, 303, 307, 308);

  private Redirects() {}

  /** Where a redirect leads: absolute, http(s), not from https to http, with no user info of its own. */
  static URI target(URI uri, URI current, int status, Optional<String> location) throws RepositoryException {
    if (location.isEmpty() || location.get().isBlank()) {
      throw new RepositoryException(uri, "HTTP " + status + " redirect without a Location", false);
    }
    URI target;
    try {
      target = Credentials.strip(current.resolve(location.get().strip()));
    } catch (IllegalArgumentException e) {
      throw new RepositoryException(uri, "HTTP " + status + " redirect to an invalid URL '"
          + Credentials.redact(location.get().strip()) + "'", false);
    }
    String scheme = target.getScheme() == null ? "" : target.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || target.getHost() == null) {
      throw new RepositoryException(uri, "redirect to " + target + " refused: only http(s) URLs are followed", false);
    }
    if (current.getScheme().equalsIgnoreCase("https") && scheme.equals("http")) {
      throw new RepositoryException(uri, "redirect to " + target + " refused: it would leave https for plain http", false);
    }
    return target;
  }

  /** Why a 401/403 happened, as far as the credentials tell: refused, withheld after a redirect, or missing. */
  static String authHint(int status, URI uri, URI current, Credentials credentials, boolean sent) {
    if (sent) {
      return " (the user and password " + credentials.from() + " were refused)";
    }
    if (credentials != null) {
      return " (the user and password are not sent to " + origin(current) + ", only to " + origin(uri)
          + "; name the repository by its final URL)";
    }
    return status == 401 ? " (" + current.getHost() + " wants a user and password: set HTTP_AUTH=basic:" + current.getHost()
        + ":USER:PASSWORD, add a machine " + current.getHost() + " to ~/.netrc, or write them in the URL)" : "";
  }

  static boolean sameOrigin(URI a, URI b) {
    return origin(a).equals(origin(b));
  }

  private static String origin(URI u) {
    String scheme = u.getScheme().toLowerCase(Locale.ROOT);
    int port = u.getPort() >= 0 ? u.getPort() : scheme.equals("https") ? 443 : 80;
    return scheme + "://" + u.getHost().toLowerCase(Locale.ROOT) + ":" + port;
  }
}
