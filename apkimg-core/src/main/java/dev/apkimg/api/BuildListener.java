package dev.apkimg.api;

/** Receives a build's progress events; front ends render them (terminal, Maven log, ...). */
@FunctionalInterface
public interface BuildListener {
  void on(BuildEvent event);

  /** Drops every event. */
  BuildListener SILENT = event -> {};
}
