package dev.apkimg.repo;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

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
 * http. Credentials (HTTP Basic, from the URL's user info, given with it, or found for its host by
 * {@link RepositoryAuth}) are sent to the origin (scheme, host, port) of the URL they came with
 * only, never after a redirect elsewhere, and only over https or to a loopback host.
 */
public final class RepositoryClient {
  public static final int MAX_REDIRECTS = 5;

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

  /** Made on the first HTTP request: a build from local folders never loads the HTTP stack (or TLS). */
  private volatile HttpClient http;
  private final Settings settings;
  private final RepositoryAuth auth;

  public RepositoryClient() {
    this(Settings.defaults());
  }

  public RepositoryClient(Duration connectTimeout, Duration readTimeout) {
    this(Settings.defaults().withConnectTimeout(connectTimeout).withReadTimeout(readTimeout));
  }

  public RepositoryClient(Settings settings) {
    this(settings, RepositoryAuth.none());
  }

  /** A client that offers {@code auth}'s credentials to URLs that have none of their own. */
  public RepositoryClient(Settings settings, RepositoryAuth auth) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.auth = Objects.requireNonNull(auth, "auth");
  }

  private HttpClient http() {
    HttpClient h = http;
    if (h == null) {
      synchronized (this) {
        h = http;
        if (h == null) {
          h = HttpClient.newBuilder()
              .followRedirects(HttpClient.Redirect.NEVER) // followed here, with the rules above
              .connectTimeout(settings.connectTimeout())
              .build();
          http = h;
        }
      }
    }
    return h;
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
    if (credentials == null) {
      credentials = auth.forUri(uri);
    } else if (!RepositoryAuth.mayCarryPassword(uri)) {
      throw new RepositoryException(uri, "a user and password are sent over https only (or plain http to this"
          + " machine), not in the clear to " + uri.getHost() + ": use https", false).asLoginProblem();
    }
    for (int attempt = 1; ; attempt++) {
      try {
        return openFollowingRedirects(uri, credentials);
      } catch (RetryPolicy.Retry retry) {
        if (attempt >= settings.attempts()) {
          throw retry.failure(attempt);
        }
        RetryPolicy.pause(uri, settings.backoff(attempt + 1, retry.retryAfter));
      }
    }
  }

  private InputStream openFollowingRedirects(URI uri, Credentials credentials) throws RepositoryException, RetryPolicy.Retry {
    URI current = uri;
    for (int redirects = 0; ; redirects++) {
      boolean sendCredentials = credentials != null && Redirects.sameOrigin(current, uri);
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
            throw new RetryPolicy.Retry(uri, via + e.reason(), null);
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
      if (Redirects.STATUSES.contains(status)) {
        if (redirects >= MAX_REDIRECTS) {
          throw new RepositoryException(uri, "more than " + MAX_REDIRECTS + " redirects (the last to " + current + ")", false);
        }
        current = Redirects.target(uri, current, status, response.headers().firstValue("Location"));
        continue;
      }
      if (RetryPolicy.RETRIED_STATUSES.contains(status)) {
        throw new RetryPolicy.Retry(uri, via + "HTTP " + status, RetryPolicy.retryAfter(response.headers().firstValue("Retry-After")));
      }
      if (status == 401 || status == 403) {
        throw new RepositoryException(uri, via + "HTTP " + status + Redirects.authHint(status, uri, current, credentials,
            sendCredentials), false).asLoginProblem();
      }
      throw new RepositoryException(uri, via + "HTTP " + status, status == 404 || status == 410);
    }
  }

  /** Where a redirect leads; see {@link Redirects#target}. */
  static URI redirectTarget(URI uri, URI current, int status, Optional<String> location)
      throws RepositoryException {
    return Redirects.target(uri, current, status, location);
  }

  private HttpResponse<InputStream> send(URI uri, HttpRequest request, HttpResponse.BodyHandler<InputStream> handler)
      throws RepositoryException, RetryPolicy.Retry {
    try {
      return http().send(request, handler);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RepositoryException(uri, "interrupted", false);
    } catch (IOException e) {
      throw RetryPolicy.failure(uri, request, e, settings);
    } catch (IllegalArgumentException e) {
      throw new RepositoryException(uri, "invalid URL: " + e.getMessage(), false);
    }
  }

  /** {@code 30 s}, {@code 0.5 s}. */
  static String seconds(Duration d) {
    return BigDecimal.valueOf(d.toMillis()).movePointLeft(3).stripTrailingZeros().toPlainString() + " s";
  }
}
