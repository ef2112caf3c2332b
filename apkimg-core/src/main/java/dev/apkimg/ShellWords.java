package dev.apkimg;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a command line into words as a POSIX shell does for a simple command without
 * expansions: whitespace separates, single quotes keep everything literal, double quotes group.
 * Used for a profile's {@code entrypoint}/{@code cmd} and for the install-script lines apkimg
 * carries out.
 */
public final class ShellWords {
  private ShellWords() {}

  /**
   * @param backslashes whether {@code \} escapes the next character (outside single quotes); when
   *     false, a backslash there is refused, for callers that only take what they fully understand
   * @throws IllegalArgumentException for an unterminated quote, or a refused backslash
   */
  public static List<String> split(String command, boolean backslashes) {
    List<String> words = new ArrayList<>();
    if (command == null) {
      return words;
    }
    StringBuilder cur = new StringBuilder();
    boolean inWord = false;
    char quote = 0;
    for (int i = 0; i < command.length(); i++) {
      char c = command.charAt(i);
      if (c == '\\' && quote != '\'') {
        if (!backslashes) {
          throw new IllegalArgumentException("backslash in '" + command + "'");
        }
        if (i + 1 < command.length()) {
          cur.append(command.charAt(++i));
          inWord = true;
          continue;
        }
      }
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          cur.append(c);
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
        inWord = true;
      } else if (Character.isWhitespace(c)) {
        if (inWord) {
          words.add(cur.toString());
          cur.setLength(0);
          inWord = false;
        }
      } else {
        cur.append(c);
        inWord = true;
      }
    }
    if (quote != 0) {
      throw new IllegalArgumentException("unterminated quote in '" + command + "'");
    }
    if (inWord) {
      words.add(cur.toString());
    }
    return words;
  }
}
