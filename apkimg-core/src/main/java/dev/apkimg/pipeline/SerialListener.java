package dev.apkimg.pipeline;

import dev.apkimg.api.BuildEvent;
import dev.apkimg.api.BuildListener;

/**
 * The caller's listener as a run's steps see it: downloads (and their progress) come from several
 * threads, but the listener gets one event at a time, in the order they were sent; and once the
 * run is over ({@link #close()}) nothing more reaches it, even from a download that ignored its
 * cancellation.
 */
final class SerialListener implements BuildListener, AutoCloseable {
  private final BuildListener listener;
  private boolean closed;

  private SerialListener(BuildListener listener) {
    this.listener = listener;
  }

  static SerialListener of(BuildListener listener) {
    return new SerialListener(listener);
  }

  @Override
  public synchronized void on(BuildEvent event) {
    if (!closed) {
      listener.on(event);
    }
  }

  /** Waits for an event under way to be delivered; drops every later one. */
  @Override
  public synchronized void close() {
    closed = true;
  }
}
