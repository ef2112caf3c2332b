package dev.apkimg.repo;

import java.io.IOException;
import java.net.URI;

/**
 * A repository file could not be read; the message names the URL (never with the user and
 * password it may have been given with) and the reason.
 */
public class RepositoryException extends IOException {
  private final URI uri;
  private final String reason;
  private final boolean notFound;
  private final boolean transientFailure;
  private dev.apkimg.Hint hint;

  public RepositoryException(URI uri, String reason, boolean notFound) {
    this(uri, reason, notFound, false);
  }

  RepositoryException(URI uri, String reason, boolean notFound, boolean transientFailure) {
    super("cannot download " + Credentials.strip(uri) + ": " + Credentials.redact(reason));
    this.uri = Credentials.strip(uri);
    this.reason = Credentials.redact(reason);
    this.notFound = notFound;
    this.transientFailure = transientFailure;
  }

  /** The URL, without user and password. */
  public URI uri() {
    return uri;
  }

  /** What went wrong, without the URL. */
  public String reason() {
    return reason;
  }

  /** True when the server answered that the file does not exist (as opposed to being unreachable). */
  public boolean isNotFound() {
    return notFound;
  }

  /**
   * True for a failure that may not happen again (HTTP 5xx or 429, a refused or broken
   * connection): the client has already tried again as often as it is allowed to.
   */
  public boolean isTransient() {
    return transientFailure;
  }

  /** The setting that would help (a longer timeout), or null. */
  public dev.apkimg.Hint hint() {
    return hint;
  }

  private boolean login;

  /** Whether the server refused the request for want of (the right) credentials, or apkimg would not send them. */
  public boolean isLoginProblem() {
    return login;
  }

  /** Marks this failure as a login problem (401, 403, credentials withheld); returns it. */
  RepositoryException asLoginProblem() {
    this.login = true;
    return this;
  }

  /** Marks this failure as one {@code hint} would help with; returns it. */
  RepositoryException hinting(dev.apkimg.Hint hint) {
    this.hint = hint;
    return this;
  }
}
