package dev.apkimg.tar;

import java.io.IOException;

/** A tar stream whose headers cannot be read one way only (the message names the entry). */
public final class TarFormatException extends IOException {
  public TarFormatException(String message) {
    super(message);
  }

  /**
   * A name from an archive as it can go into a one-line message: in double quotes, with control
   * characters, quotes and backslashes escaped ({@code \n}, {@code \x00}).
   */
  public static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        default -> {
          if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029) {
            b.append(String.format("\\x%02x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
