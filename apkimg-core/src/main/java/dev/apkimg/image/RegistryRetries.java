package dev.apkimg.image;

import com.google.cloud.tools.jib.api.LogEvent;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * jib's log of one push, with the requests its HTTP client tries again made visible: jib retries a
 * request that failed with an I/O error (a dropped connection, a reset) up to 10 times with backoff
 * and says so only in a WARN log line, {@code "METHOD URL failed and will be retried"}; that line
 * is its only hook, so it is recognized by its wording. Each one becomes one
 * {@link ImagePublisher.Progress#retrying} report naming the request, the blob being pushed (if
 * any) and the attempt that follows. Everything jib logs still goes to {@link RootfsImage#log}.
 */
final class RegistryRetries implements Consumer<LogEvent> {
  static final String RETRIED = " failed and will be retried";

  private final String reference;
  private final ImagePublisher.Progress progress;
  private final Map<String, Integer> retries = new HashMap<>();
  private volatile String blob;
  private volatile long blobSize;

  RegistryRetries(String reference, ImagePublisher.Progress progress) {
    this.reference = reference;
    this.progress = progress;
  }

  /** The blob pushed until {@link #blobDone}: retries are counted per blob, and name it. */
  void blob(String digest, long size) {
    this.blob = digest;
    this.blobSize = size;
  }

  void blobDone() {
    this.blob = null;
  }

  @Override
  public void accept(LogEvent event) {
    RootfsImage.log(event);
    String message = event.getMessage();
    if (event.getLevel() != LogEvent.Level.WARN || message == null || !message.endsWith(RETRIED)) {
      return;
    }
    // "METHOD URL": the query is dropped, it may carry an upload's state token.
    String request = message.substring(0, message.length() - RETRIED.length());
    int query = request.indexOf('?');
    request = (query < 0 ? request : request.substring(0, query)).replaceAll("[\\p{Cntrl}]", "?");
    if (request.length() > 300) {
      request = request.substring(0, 300) + "...";
    }
    String current = blob;
    int attempt;
    synchronized (retries) {
      attempt = retries.merge(current != null ? current : request, 1, Integer::sum) + 1;
    }
    progress.retrying(reference, "push to " + reference + ": " + request + " failed"
        + (current == null ? "" : " while uploading blob " + current + " (" + blobSize + " bytes)")
        + "; trying again (attempt " + attempt + ")");
  }
}
