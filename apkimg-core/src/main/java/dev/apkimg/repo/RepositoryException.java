package dev.apkimg.repo;

import java.io.IOException;
import java.net.URI;

/** A repository file could not be read; the message names the URL. */
public class RepositoryException extends IOException {
  private final URI uri;
  private final boolean notFound;

  public RepositoryException(URI uri, String reason, boolean notFound) {
    super("cannot download " + uri + ": " + reason);
    this.uri = uri;
    this.notFound = notFound;
  }

  public URI uri() {
    return uri;
  }

  /** True when the server answered that the file does not exist (as opposed to being unreachable). */
  public boolean isNotFound() {
    return notFound;
  }
}
