package dev.apkimg.repo;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.math.BigDecimal;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLException;

/**
 * Opens repository files (indexes, packages, keys) over HTTP(S) or from the local file system.
 * Failures are {@link RepositoryException}s whose message names the URL (without credentials)
 * and the reason.
 *
 * <p>Over HTTP every wait is bounded: connecting by the connect timeout, the response headers and
 * every later stretch without a byte of the body by the read timeout (see {@link Settings}).
 * HTTP 429, 500, 502, 503, 504, a refused connection and one that breaks before any byte of the
 * body reached the caller are tried again, {@link Settings#attempts()} times in all, after 0.5 s,
 * 1 s, ... (at most {@link Settings#maxBackoff()}; a {@code Retry-After} in seconds lengthens the
 * pause up to that cap). Timeouts are not tried again: a mirror that hangs fails after the timeout. A connection
 * that breaks after the caller has read part of the body fails the read, naming the URL: the
 * caller has consumed bytes that a second request cannot take back.
 *
 * <p>Redirects are followed by this class, at most {@link #MAX_REDIRECTS}, never from https to
 * http. Credentials (HTTP Basic, from the URL's user info or given with it) are sent to the
 * origin (scheme, host, port) of the URL they came with only, never after a redirect elsewhere.
 */
public final class RepositoryClient {
  public static final int MAX_REDIRECTS = 5;
  private static final Set<Integer> RETRIED_STATUSES = Set.of(429, 500, 502, 503, 504);
  private static final Set<Integer> REDIRECT_STATUSES = Set.of(301, 302, 303, 307, 308);

  /**
   * How long to wait and how often to try.
   *
   * @param connectTimeout the longest wait for a TCP (and TLS) connection; default 10 s
   * @param readTimeout the longest wait for the response headers, and for each further byte of
   *     the body (a stalled server fails after this); default 30 s
   * @param attempts requests per file before giving up on a transient failure; default 3
   * @param firstBackoff the pause before the second attempt, doubled before each further one; default 0.5 s
   * @param maxBackoff the longest pause between attempts; default 5 s
   */
  public record Settings(Duration connectTimeout, Duration readTimeout, int attempts, Duration firstBackoff,
      Duration maxBackoff) {
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_ATTEMPTS = 3;

    public Settings {
      requirePositive(connectTimeout, "connect timeout");
      requirePositive(readTimeout, "read timeout");
      if (attempts < 1) {
        throw new IllegalArgumentException("attempts must be at least 1, not " + attempts);
      }
      Objects.requireNonNull(firstBackoff, "firstBackoff");
      Objects.requireNonNull(maxBackoff, "maxBackoff");
    }

    public static Settings defaults() {
      return new Settings(DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, DEFAULT_ATTEMPTS, Duration.ofMillis(500),
          Duration.ofSeconds(5));
    }

    public Settings withConnectTimeout(Duration timeout) {
      return new Settings(timeout, readTimeout, attempts, firstBackoff, maxBackoff);
    }

    public Settings withReadTimeout(Duration timeout) {
      return new Settings(connectTimeout, timeout, attempts, firstBackoff, maxBackoff);
    }

    public Settings withAttempts(int attempts, Duration firstBackoff, Duration maxBackoff) {
      return new Settings(connectTimeout, readTimeout, attempts, firstBackoff, maxBackoff);
    }

    /** The pause before attempt {@code next} (2, 3, ...): doubling from the first, capped. */
    Duration backoff(int next, Duration retryAfter) {
      Duration d = firstBackoff;
      for (int i = 2; i < next && d.compareTo(maxBackoff) < 0; i++) {
        d = d.multipliedBy(2);
      }
      if (retryAfter != null && retryAfter.compareTo(d) > 0) {
        d = retryAfter;
      }
      return d.compareTo(maxBackoff) > 0 ? maxBackoff : d;
    }

    private static void requirePositive(Duration d, String what) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive, not " + d);
      }
    }
  }

  private final HttpClient http;
  private final Settings settings;

  public RepositoryClient() {
    this(Settings.defaults());
  }

  public RepositoryClient(Duration connectTimeout, Duration readTimeout) {
    this(Settings.defaults().withConnectTimeout(connectTimeout).withReadTimeout(readTimeout));
  }

  public RepositoryClient(Settings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.http = HttpClient.newBuilder()
        .followRedirects(HttpClient.Redirect.NEVER) // followed here, with the rules above
        .connectTimeout(settings.connectTimeout())
        .build();
  }

  public Settings settings() {
    return settings;
  }

  /**
   * Opens {@code uri} for reading; the caller closes the stream. A user and password in the URL
   * are sent as HTTP Basic auth, as by {@link #open(URI, Credentials)}.
   */
  public InputStream open(URI uri) throws RepositoryException {
    return open(Credentials.strip(uri), Credentials.of(uri));
  }

  /**
   * Opens {@code uri} for reading, sending {@code credentials} (null: none) to its origin; the
   * caller closes the stream.
   */
  public InputStream open(URI uri, Credentials credentials) throws RepositoryException {
    uri = Credentials.strip(uri);
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if ("file".equals(scheme)) {
      try {
        return Files.newInputStream(Path.of(uri));
      } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
        throw new RepositoryException(uri, "not a local file URL (" + e.getMessage() + ")", false);
      } catch (NoSuchFileException e) {
        throw new RepositoryException(uri, "not found", true);
      } catch (IOException e) {
        throw new RepositoryException(uri, e.getMessage(), false);
      }
    }
    if (!"http".equals(scheme) && !"https".equals(scheme)) {
      throw new RepositoryException(uri, "unsupported URL scheme '" + scheme + "'", false);
    }
    if (uri.getHost() == null) {
      throw new RepositoryException(uri, "the URL names no host", false);
    }
    for (int attempt = 1; ; attempt++) {
      try {
        return openFollowingRedirects(uri, credentials);
      } catch (Retry retry) {
        if (attempt >= settings.attempts()) {
          throw retry.failure(attempt);
        }
        pause(uri, settings.backoff(attempt + 1, retry.retryAfter));
      }
    }
  }

  private InputStream openFollowingRedirects(URI uri, Credentials credentials) throws RepositoryException, Retry {
    URI current = uri;
    for (int redirects = 0; ; redirects++) {
      boolean sendCredentials = credentials != null && sameOrigin(current, uri);
      HttpRequest.Builder request = HttpRequest.newBuilder(current)
          .timeout(settings.readTimeout()) // until the response headers; the body is watched by BodyStream
          .header("User-Agent", "apkimg")
          .GET();
      if (sendCredentials) {
        request.header("Authorization", credentials.basicAuthorization());
      }
      URI requested = current;
      HttpResponse<InputStream> response = send(uri, request.build(), info -> new BodyStream(requested, settings.readTimeout()));
      BodyStream body = (BodyStream) response.body();
      int status = response.statusCode();
      String via = current.equals(uri) ? "" : "redirected to " + current + ": ";
      if (status == 200) {
        try {
          body.awaitFirstBytes();
        } catch (RepositoryException e) {
          body.close();
          if (e.isTransient()) {
            throw new Retry(uri, via + e.reason(), null);
          }
          throw new RepositoryException(uri, via + e.reason(), false);
        } catch (InterruptedIOException e) {
          body.close();
          throw new RepositoryException(uri, "interrupted", false);
        } catch (IOException e) {
          body.close();
          throw new RepositoryException(uri, via + e.getMessage(), false);
        }
        return body;
      }
      body.close();
      if (REDIRECT_STATUSES.contains(status)) {
        if (redirects >= MAX_REDIRECTS) {
          throw new RepositoryException(uri, "more than " + MAX_REDIRECTS + " redirects (the last to " + current + ")", false);
        }
        current = redirectTarget(uri, current, status, response.headers().firstValue("Location"));
        continue;
      }
      if (RETRIED_STATUSES.contains(status)) {
        throw new Retry(uri, via + "HTTP " + status, retryAfter(response.headers().firstValue("Retry-After")));
      }
      if (status == 401 || status == 403) {
        throw new RepositoryException(uri, via + "HTTP " + status + authHint(status, uri, current, credentials, sendCredentials), false);
      }
      throw new RepositoryException(uri, via + "HTTP " + status, status == 404 || status == 410);
    }
  }

  private static String authHint(int status, URI uri, URI current, Credentials credentials, boolean sent) {
    if (sent) {
      return " (the user and password in the URL were refused)";
    }
    if (credentials != null) {
      return " (the user and password are not sent to " + origin(current) + ", only to " + origin(uri)
          + "; name the repository by its final URL)";
    }
    return status == 401 ? " (the server wants a user and password: write them in the URL, https://USER:PASSWORD@host/...)" : "";
  }

  /** Where a redirect leads: absolute, http(s), not from https to http, with no user info of its own. */
  static URI redirectTarget(URI uri, URI current, int status, Optional<String> location)
      throws RepositoryException {
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

  private HttpResponse<InputStream> send(URI uri, HttpRequest request, HttpResponse.BodyHandler<InputStream> handler)
      throws RepositoryException, Retry {
    try {
      return http.send(request, handler);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RepositoryException(uri, "interrupted", false);
    } catch (IOException e) {
      String via = request.uri().equals(uri) ? "" : "redirected to " + request.uri() + ": ";
      if (has(e, HttpConnectTimeoutException.class)) {
        throw new RepositoryException(uri, via + "no connection within " + seconds(settings.connectTimeout()), false)
            .hinting(dev.apkimg.Hint.CONNECT_TIMEOUT);
      }
      if (has(e, HttpTimeoutException.class)) {
        throw new RepositoryException(uri, via + "no response within " + seconds(settings.readTimeout()), false)
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
    } catch (IllegalArgumentException e) {
      throw new RepositoryException(uri, "invalid URL: " + e.getMessage(), false);
    }
  }

  private void pause(URI uri, Duration d) throws RepositoryException {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RepositoryException(uri, "interrupted", false);
    }
  }

  /** {@code Retry-After} in seconds (an HTTP date is not worth parsing here); null if absent. */
  private static Duration retryAfter(Optional<String> header) {
    if (header.isPresent() && header.get().strip().matches("\\d{1,6}")) {
      return Duration.ofSeconds(Long.parseLong(header.get().strip()));
    }
    return null;
  }

  private static boolean sameOrigin(URI a, URI b) {
    return origin(a).equals(origin(b));
  }

  private static String origin(URI u) {
    String scheme = u.getScheme().toLowerCase(Locale.ROOT);
    int port = u.getPort() >= 0 ? u.getPort() : scheme.equals("https") ? 443 : 80;
    return scheme + "://" + u.getHost().toLowerCase(Locale.ROOT) + ":" + port;
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

  /** {@code 30 s}, {@code 0.5 s}. */
  static String seconds(Duration d) {
    return BigDecimal.valueOf(d.toMillis()).movePointLeft(3).stripTrailingZeros().toPlainString() + " s";
  }

  /** A failure worth another attempt; becomes a {@link RepositoryException} when none is left. */
  private static final class Retry extends Exception {
    private final URI uri;
    private final String reason;
    private final Duration retryAfter;

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
