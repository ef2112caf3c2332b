package dev.apkimg.api;

/**
 * Receives a build's progress events; front ends render them (terminal, Maven log, ...). A build
 * ({@link Apkimg#build}, {@code lock}, {@code buildBase}, {@code publish}) calls it one event at a
 * time, though from several of its threads (downloads run in parallel), and never after the call
 * returned; a slow listener slows the build down but gets no more progress events for it.
 */
@FunctionalInterface
public interface BuildListener {
  void on(BuildEvent event);

  /** Drops every event. */
  BuildListener SILENT = event -> {};
}
