package dev.apkimg.build;

/** Receives a build's progress; front ends render it (terminal, Maven log, ...). */
public interface BuildListener {
  /** A step a user wants to see. */
  void info(String message);

  /** Something the user should know that does not stop the build. */
  void warn(String message);

  /** Detail for {@code --verbose}. */
  default void detail(String message) {}

  BuildListener SILENT = new BuildListener() {
    @Override
    public void info(String message) {}

    @Override
    public void warn(String message) {}
  };
}
