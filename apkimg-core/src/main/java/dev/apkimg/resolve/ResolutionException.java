package dev.apkimg.resolve;

import dev.apkimg.ApkimgException;

/** The world cannot be satisfied; the message says which name, which constraint, required by whom. */
public class ResolutionException extends ApkimgException {
  public ResolutionException(String message) {
    super(message);
  }
}
