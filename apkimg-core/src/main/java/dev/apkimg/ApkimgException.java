package dev.apkimg;

/**
 * A failure the user can act on. Its message is one line that says what failed, on which
 * file, package or URL, and what to do; front ends print it without a stack trace unless asked.
 */
public class ApkimgException extends RuntimeException {
  public ApkimgException(String message) {
    super(message);
  }

  public ApkimgException(String message, Throwable cause) {
    super(message, cause);
  }
}
