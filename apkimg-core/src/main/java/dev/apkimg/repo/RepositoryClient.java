package dev.apkimg.repo;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Opens repository files over HTTP(S) or from the local file system. Failures are
 * {@link RepositoryException}s whose message names the URL and the reason.
 */
public final class RepositoryClient {
  private final HttpClient http;
  private final Duration requestTimeout;

  public RepositoryClient() {
    this(Duration.ofSeconds(30), Duration.ofMinutes(10));
  }

  public RepositoryClient(Duration connectTimeout, Duration requestTimeout) {
    this.http = HttpClient.newBuilder()
        .followRedirects(HttpClient.Redirect.NORMAL)
        .connectTimeout(connectTimeout)
        .build();
    this.requestTimeout = requestTimeout;
  }

  /** Opens {@code uri} for reading; the caller closes the stream. */
  public InputStream open(URI uri) throws RepositoryException {
    String scheme = uri.getScheme();
    if ("file".equals(scheme)) {
      Path p = Path.of(uri);
      try {
        return Files.newInputStream(p);
      } catch (NoSuchFileException e) {
        throw new RepositoryException(uri, "not found", true);
      } catch (IOException e) {
        throw new RepositoryException(uri, e.getMessage(), false);
      }
    }
    if (!"http".equals(scheme) && !"https".equals(scheme)) {
      throw new RepositoryException(uri, "unsupported URL scheme '" + scheme + "'", false);
    }
    HttpRequest request = HttpRequest.newBuilder(uri)
        .timeout(requestTimeout)
        .header("User-Agent", "apkimg")
        .GET()
        .build();
    HttpResponse<InputStream> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RepositoryException(uri, "interrupted", false);
    } catch (HttpConnectTimeoutException e) {
      throw new RepositoryException(uri, "connection timed out", false);
    } catch (ConnectException e) {
      throw new RepositoryException(uri, "connection refused", false);
    } catch (IOException e) {
      Throwable root = e;
      while (root.getCause() != null) {
        root = root.getCause();
      }
      String reason = root instanceof UnknownHostException ? "unknown host " + root.getMessage()
          : root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
      throw new RepositoryException(uri, reason, false);
    }
    int status = response.statusCode();
    if (status != 200) {
      try {
        response.body().close();
      } catch (IOException ignored) {
        // the status is what matters
      }
      throw new RepositoryException(uri, "HTTP " + status, status == 404 || status == 410);
    }
    return response.body();
  }
}
