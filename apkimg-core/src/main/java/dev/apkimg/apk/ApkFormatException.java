package dev.apkimg.apk;

import java.io.IOException;

/** A package or index that is malformed or fails verification; the message names the file. */
public class ApkFormatException extends IOException {
  public ApkFormatException(String message) {
    super(message);
  }
}
