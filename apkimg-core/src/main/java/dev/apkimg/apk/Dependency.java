package dev.apkimg.apk;

import java.util.ArrayList;
import java.util.List;

/**
 * One apk dependency atom: {@code [!]name[@tag][op version]}, as found in the world, in a
 * package's {@code depends} and {@code install_if}, and in the profile's package list.
 */
public record Dependency(String name, String tag, Operator operator, String version, boolean conflict) {

  /** apk's relational operators; {@link #CHECKSUM} is the {@code ><Q1...} pin. */
  public enum Operator {
    ANY(""),
    EQUAL("="),
    LESS("<"),
    GREATER(">"),
    LESS_EQUAL("<="),
    GREATER_EQUAL(">="),
    FUZZY("~"),
    CHECKSUM("><");

    private final String symbol;

    Operator(String symbol) {
      this.symbol = symbol;
    }

    public String symbol() {
      return symbol;
    }
  }

  public static Dependency any(String name) {
    return new Dependency(name, null, Operator.ANY, null, false);
  }

  /** Parses one atom; throws {@link IllegalArgumentException} with the reason when malformed. */
  public static Dependency parse(String text) {
    String s = text.strip();
    boolean conflict = s.startsWith("!");
    if (conflict) {
      s = s.substring(1);
    }
    int opStart = indexOfAny(s, "<>=~");
    String nameAndTag = opStart < 0 ? s : s.substring(0, opStart);
    Operator op = Operator.ANY;
    String version = null;
    if (opStart >= 0) {
      String rest = s.substring(opStart);
      if (rest.startsWith("><")) {
        op = Operator.CHECKSUM;
      } else if (rest.startsWith("<=")) {
        op = Operator.LESS_EQUAL;
      } else if (rest.startsWith(">=")) {
        op = Operator.GREATER_EQUAL;
      } else if (rest.startsWith("=~") || rest.startsWith("~=")) {
        op = Operator.FUZZY;
      } else if (rest.startsWith("==")) {
        op = Operator.EQUAL;
        rest = rest.substring(1);
      } else if (rest.startsWith("~")) {
        op = Operator.FUZZY;
      } else if (rest.startsWith("=")) {
        op = Operator.EQUAL;
      } else if (rest.startsWith("<")) {
        op = Operator.LESS;
      } else {
        op = Operator.GREATER;
      }
      int opLen = (op == Operator.CHECKSUM || op == Operator.LESS_EQUAL || op == Operator.GREATER_EQUAL
          || (op == Operator.FUZZY && rest.length() > 1 && (rest.charAt(1) == '~' || rest.charAt(1) == '=')))
          ? 2 : 1;
      version = rest.substring(opLen);
      if (version.isEmpty()) {
        throw new IllegalArgumentException("missing version after '" + op.symbol() + "' in '" + text + "'");
      }
      if (op != Operator.CHECKSUM && !ApkVersion.isValid(version)) {
        throw new IllegalArgumentException("invalid version '" + version + "' in '" + text + "'");
      }
    }
    String name = nameAndTag;
    String tag = null;
    int at = nameAndTag.indexOf('@');
    if (at >= 0) {
      name = nameAndTag.substring(0, at);
      tag = nameAndTag.substring(at + 1);
    }
    if (name.isEmpty()) {
      throw new IllegalArgumentException("missing package name in '" + text + "'");
    }
    return new Dependency(name, tag, op, version, conflict);
  }

  /** Parses a space-separated list as found in APKINDEX {@code D:} lines. */
  public static List<Dependency> parseList(String text) {
    List<Dependency> out = new ArrayList<>();
    if (text == null) {
      return out;
    }
    // By hand rather than String.split: indexes have tens of thousands of these lines.
    int i = 0;
    int n = text.length();
    while (i < n) {
      while (i < n && Character.isWhitespace(text.charAt(i))) {
        i++;
      }
      int start = i;
      while (i < n && !Character.isWhitespace(text.charAt(i))) {
        i++;
      }
      if (i > start) {
        out.add(parse(text.substring(start, i)));
      }
    }
    return out;
  }

  /** Whether a package or provide of this dependency's name with {@code candidate} version matches. */
  public boolean versionMatches(String candidate) {
    if (operator == Operator.ANY) {
      return true;
    }
    if (candidate == null || operator == Operator.CHECKSUM) {
      return false;
    }
    int c = ApkVersion.compare(candidate, version, operator == Operator.FUZZY);
    return switch (operator) {
      case EQUAL, FUZZY -> c == 0;
      case LESS -> c < 0;
      case GREATER -> c > 0;
      case LESS_EQUAL -> c <= 0;
      case GREATER_EQUAL -> c >= 0;
      default -> false;
    };
  }

  private static int indexOfAny(String s, String chars) {
    for (int i = 0; i < s.length(); i++) {
      if (chars.indexOf(s.charAt(i)) >= 0) {
        return i;
      }
    }
    return -1;
  }

  @Override
  public String toString() {
    return (conflict ? "!" : "") + name + (tag == null ? "" : "@" + tag)
        + (operator == Operator.ANY ? "" : operator.symbol() + version);
  }
}
