package dev.apkimg;

/**
 * A failure the user can act on. Its message is one line that says what failed, on which
 * file, package or URL, and what to do; front ends print it without a stack trace unless asked.
 * When what to do is a setting of the front end (a flag of the CLI, a parameter of the Maven
 * plugin), the message stops short of naming it and {@link #hint()} says which: each front end
 * appends it in its own words.
 */
public class ApkimgException extends RuntimeException {
  private final Hint hint;

  public ApkimgException(String message) {
    this(message, (Hint) null);
  }

  public ApkimgException(String message, Throwable cause) {
    this(message, null, cause);
  }

  public ApkimgException(String message, Hint hint) {
    super(message);
    this.hint = hint;
  }

  public ApkimgException(String message, Hint hint, Throwable cause) {
    super(message, cause);
    this.hint = hint;
  }

  /** The front-end setting that would fix or work around this failure; null for none. */
  public Hint hint() {
    return hint;
  }
}
