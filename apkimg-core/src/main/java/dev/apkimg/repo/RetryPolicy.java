package dev.apkimg.repo;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLException;

/**
 * Which failures of an HTTP request {@link RepositoryClient} tries again and which end it, in
 * what words, and how long it pauses in between. Kept apart from the request loop so the whole
 * retry policy (statuses, exception kinds, {@code Retry-After}, backoff pause) is in one place.
 */
final class RetryPolicy {
  static final Set<Integer> RETRIED_STATUSES = Set.of(429, 500, 502, 503, 504);

  private RetryPolicy() {}

  /**
   * The failure of {@code HttpClient.send} for {@code request} (maybe a redirect of {@code uri})
   * as a final {@link RepositoryException} or a {@link Retry}; always throws.
   */
  static RepositoryException failure(URI uri, HttpRequest request, IOException e, RepositoryClient.Settings settings)
      throws RepositoryException, Retry {
    String via = request.uri().equals(uri) ? "" : "redirected to " + request.uri() + ": ";
    if (has(e, HttpConnectTimeoutException.class)) {
      throw new RepositoryException(uri, via + "no connection within " + RepositoryClient.seconds(settings.connectTimeout()), false)
          .hinting(dev.apkimg.Hint.CONNECT_TIMEOUT);
    }
    if (has(e, HttpTimeoutException.class)) {
      throw new RepositoryException(uri, via + "no response within " + RepositoryClient.seconds(settings.readTimeout()), false)
          .hinting(dev.apkimg.Hint.READ_TIMEOUT);
    }
    Throwable root = rootCause(e);
    if (root instanceof UnknownHostException) {
      throw new RepositoryException(uri, via + "unknown host " + request.uri().getHost(), false);
    }
    if (has(e, SSLException.class)) {
      throw new RepositoryException(uri, via + "TLS failed: " + message(root), false);
    }
    if (has(e, ConnectException.class)) {
      throw new Retry(uri, via + "connection refused", null);
    }
    String reason = message(root);
    if (reason.contains("header parser received no bytes")) {
      reason = "the server closed the connection without answering";
    }
    throw new Retry(uri, via + reason, null);
  }

  static void pause(URI uri, Duration d) throws RepositoryException {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RepositoryException(uri, "interrupted", false);
    }
  }

  /** {@code Retry-After} in seconds (an HTTP date is not worth parsing here); null if absent. */
  static Duration retryAfter(Optional<String> header) {
    if (header.isPresent() && header.get().strip().matches("\\d{1,6}")) {
      return Duration.ofSeconds(Long.parseLong(header.get().strip()));
    }
    return null;
  }

  private static boolean has(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return true;
      }
    }
    return false;
  }

  private static Throwable rootCause(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root;
  }

  private static String message(Throwable t) {
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  /** A failure worth another attempt; becomes a {@link RepositoryException} when none is left. */
  static final class Retry extends Exception {
    private final URI uri;
    private final String reason;
    final Duration retryAfter;

    Retry(URI uri, String reason, Duration retryAfter) {
      super(reason, null, false, false);
      this.uri = uri;
      this.reason = reason;
      this.retryAfter = retryAfter;
    }

    RepositoryException failure(int attempts) {
      return new RepositoryException(uri, reason + (attempts > 1 ? " (tried " + attempts + " times)" : ""), false, true);
    }
  }
}
