package dev.apkimg.profile;

import dev.apkimg.ApkimgException;

/** A profile that cannot be read or is invalid; the message starts with {@code file:line:column}. */
public class ProfileException extends ApkimgException {
  public ProfileException(String message) {
    super(message);
  }

  public ProfileException(String message, Throwable cause) {
    super(message, cause);
  }

  public ProfileException(String message, dev.apkimg.Hint hint) {
    super(message, hint);
  }
}
