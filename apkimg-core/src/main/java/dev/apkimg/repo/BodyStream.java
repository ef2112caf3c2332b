package dev.apkimg.repo;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A response body as an {@link InputStream} whose reads fail when no bytes arrived for the read
 * timeout: the JDK's own {@code BodyHandlers.ofInputStream()} waits forever on a server that
 * stalls mid-body. One batch of buffers is requested at a time, so at most one is held.
 * Failures are {@link RepositoryException}s naming the URL.
 */
final class BodyStream extends InputStream implements HttpResponse.BodySubscriber<InputStream> {
  private static final Object END = new Object();

  private final URI uri;
  private final Duration readTimeout;
  private final BlockingQueue<Object> arrivals = new LinkedBlockingQueue<>();
  private volatile Flow.Subscription subscription;
  private volatile boolean closed;
  private Iterator<ByteBuffer> batch = Collections.emptyIterator();
  private ByteBuffer current;
  private boolean ended;
  private long delivered;

  BodyStream(URI uri, Duration readTimeout) {
    this.uri = uri;
    this.readTimeout = readTimeout;
  }

  @Override
  public CompletionStage<InputStream> getBody() {
    return CompletableFuture.completedStage(this);
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    if (subscription != null) {
      s.cancel();
      return;
    }
    subscription = s;
    if (closed) {
      s.cancel();
    } else {
      s.request(1);
    }
  }

  @Override
  public void onNext(List<ByteBuffer> item) {
    arrivals.add(item);
  }

  @Override
  public void onError(Throwable t) {
    arrivals.add(t);
  }

  @Override
  public void onComplete() {
    arrivals.add(END);
  }

  /** How many bytes the caller has read. */
  long delivered() {
    return delivered;
  }

  /**
   * Waits until the first bytes (or the end) of the body arrived, without handing them out, so
   * that a connection that breaks right after the headers can be tried again from scratch.
   */
  void awaitFirstBytes() throws IOException {
    fill();
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    java.util.Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return 0;
    }
    if (!fill()) {
      return -1;
    }
    int n = Math.min(len, current.remaining());
    current.get(b, off, n);
    delivered += n;
    return n;
  }

  @Override
  public int available() throws IOException {
    return current == null ? 0 : current.remaining();
  }

  /** Makes {@code current} hold unread bytes; false at the end of the body. */
  private boolean fill() throws IOException {
    if (closed) {
      throw new IOException("stream closed");
    }
    while (current == null || !current.hasRemaining()) {
      if (batch.hasNext()) {
        current = batch.next();
        continue;
      }
      if (ended) {
        return false;
      }
      Object next;
      try {
        next = arrivals.poll(readTimeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        close();
        InterruptedIOException ie = new InterruptedIOException("interrupted while downloading " + uri);
        ie.initCause(e);
        throw ie;
      }
      if (next == null) {
        close();
        throw new RepositoryException(uri, "no data for " + RepositoryClient.seconds(readTimeout) + " after "
            + bytes(delivered) + " of the response (the server stalled)", false).hinting(dev.apkimg.Hint.READ_TIMEOUT);
      }
      if (next == END) {
        ended = true;
        return false;
      }
      if (next instanceof Throwable t) {
        ended = true;
        close();
        throw broken(t);
      }
      @SuppressWarnings("unchecked")
      List<ByteBuffer> buffers = (List<ByteBuffer>) next;
      batch = buffers.iterator();
      subscription.request(1);
    }
    return true;
  }

  private RepositoryException broken(Throwable t) {
    String reason = t instanceof EOFException || t.getMessage() == null
        ? "the connection closed before the end of the response, after " + bytes(delivered)
        : "the connection broke after " + bytes(delivered) + " (" + t.getMessage() + ")";
    return new RepositoryException(uri, reason, false, true);
  }

  private static String bytes(long n) {
    return n == 1 ? "1 byte" : n + " bytes";
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    Flow.Subscription s = subscription;
    if (s != null) {
      s.cancel();
    }
    arrivals.clear();
    current = null;
    batch = Collections.emptyIterator();
  }
}
