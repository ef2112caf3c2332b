package dev.apkimg.sbom;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * An apk {@code L:} field as an SPDX license expression: as declared when it parses as one
 * (SPDX 2.3 annex D: ids of the SPDX License List, {@code LicenseRef-}s, {@code AND}, {@code OR},
 * {@code WITH} a listed exception, {@code +} and parentheses), else a {@code LicenseRef-} whose
 * text is the declaration. An id the list lacks (Alpine's {@code custom}, {@code BSD}) is no
 * SPDX license: SPDX's tools refuse a document that uses one bare.
 */
final class SpdxLicense {
  private SpdxLicense() {}

  /** The SPDX License List's ids, in upper case (ids match without regard to case), read once. */
  private static final class Listed {
    static final Set<String> LICENSES = new HashSet<>();
    static final Set<String> EXCEPTIONS = new HashSet<>();

    static {
      try (InputStream in = SpdxLicense.class.getResourceAsStream("spdx-licenses.txt")) {
        if (in == null) {
          throw new IllegalStateException("spdx-licenses.txt is missing from apkimg's jar");
        }
        Set<String> into = LICENSES;
        for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
          String id = line.strip();
          if (id.equals("exceptions")) {
            into = EXCEPTIONS;
          } else if (!id.isEmpty() && !id.startsWith("#")) {
            into.add(id.toUpperCase(Locale.ROOT));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read spdx-licenses.txt from apkimg's jar", e);
      }
    }
  }

  /** Whether {@code text} is a well-formed SPDX license expression. */
  static boolean isExpression(String text) {
    if (text == null || text.isBlank()) {
      return false;
    }
    List<String> tokens = tokens(text);
    if (tokens == null) {
      return false;
    }
    Parser p = new Parser(tokens);
    return p.or() && p.at == tokens.size();
  }

  /** {@code LicenseRef-} + the declaration with every character outside {@code [A-Za-z0-9.-]} as {@code -}. */
  static String licenseRef(String declared) {
    StringBuilder id = new StringBuilder("LicenseRef-apk-");
    for (char ch : declared.strip().toCharArray()) {
      id.append(idChar(ch) ? ch : '-');
    }
    return id.toString();
  }

  private static boolean idChar(char ch) {
    return ch >= 'A' && ch <= 'Z' || ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '.' || ch == '-';
  }

  /** Words and parentheses; null when a character belongs to neither. */
  private static List<String> tokens(String text) {
    List<String> tokens = new ArrayList<>();
    int i = 0;
    while (i < text.length()) {
      char ch = text.charAt(i);
      if (ch == ' ' || ch == '\t') {
        i++;
      } else if (ch == '(' || ch == ')') {
        tokens.add(String.valueOf(ch));
        i++;
      } else {
        int start = i;
        while (i < text.length() && (idChar(text.charAt(i)) || text.charAt(i) == '+' || text.charAt(i) == ':')) {
          i++;
        }
        if (i == start) {
          return null;
        }
        tokens.add(text.substring(start, i));
      }
    }
    return tokens;
  }

  private static final class Parser {
    private final List<String> tokens;
    private int at;

    Parser(List<String> tokens) {
      this.tokens = tokens;
    }

    boolean or() {
      if (!and()) {
        return false;
      }
      while (next("OR")) {
        if (!and()) {
          return false;
        }
      }
      return true;
    }

    boolean and() {
      if (!with()) {
        return false;
      }
      while (next("AND")) {
        if (!with()) {
          return false;
        }
      }
      return true;
    }

    boolean with() {
      if (!atom()) {
        return false;
      }
      if (next("WITH")) {
        return at < tokens.size() && isId(tokens.get(at), false)
            && Listed.EXCEPTIONS.contains(tokens.get(at++).toUpperCase(Locale.ROOT));
      }
      return true;
    }

    boolean atom() {
      if (at >= tokens.size()) {
        return false;
      }
      String t = tokens.get(at++);
      if (t.equals("(")) {
        return or() && next(")");
      }
      return isLicense(t);
    }

    private boolean next(String token) {
      if (at < tokens.size() && tokens.get(at).equals(token)) {
        at++;
        return true;
      }
      return false;
    }

    private static boolean isLicense(String t) {
      if (t.startsWith("DocumentRef-")) {
        int colon = t.indexOf(':');
        return colon > "DocumentRef-".length() && isId(t.substring("DocumentRef-".length(), colon), false)
            && t.startsWith("LicenseRef-", colon + 1) && isId(t.substring(colon + 1 + "LicenseRef-".length()), false);
      }
      if (t.startsWith("LicenseRef-")) {
        return isId(t.substring("LicenseRef-".length()), false);
      }
      String id = t.endsWith("+") ? t.substring(0, t.length() - 1) : t;
      return isId(t, true) && Listed.LICENSES.contains(id.toUpperCase(Locale.ROOT));
    }

    /** An idstring, not an operator; {@code plus}: a trailing {@code +} (or later) is allowed. */
    private static boolean isId(String t, boolean plus) {
      String id = plus && t.endsWith("+") ? t.substring(0, t.length() - 1) : t;
      if (id.isEmpty() || t.equals("(") || t.equals(")")) {
        return false;
      }
      String upper = id.toUpperCase(Locale.ROOT);
      if (upper.equals("AND") || upper.equals("OR") || upper.equals("WITH")) {
        return false;
      }
      for (char ch : id.toCharArray()) {
        if (!idChar(ch)) {
          return false;
        }
      }
      return true;
    }
  }
}
