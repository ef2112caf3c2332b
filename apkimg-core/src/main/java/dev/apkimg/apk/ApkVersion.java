package dev.apkimg.apk;

/**
 * apk's version ordering ({@code 1.2.3a_rc1_p2-r4}), following apk-tools 2.14's tokenizer so that
 * "newest" means what apk means, including its treatment of leading zeros and invalid versions.
 */
public final class ApkVersion {
  private ApkVersion() {}

  // Token types, in apk-tools' order: the comparison of types below depends on it.
  private static final int INVALID = -1;
  private static final int DIGIT_OR_ZERO = 0;
  private static final int DIGIT = 1;
  private static final int LETTER = 2;
  private static final int SUFFIX = 3;
  private static final int SUFFIX_NO = 4;
  private static final int REVISION_NO = 5;
  private static final int END = 6;

  private static final String[] PRE_SUFFIXES = {"alpha", "beta", "pre", "rc"};
  private static final String[] POST_SUFFIXES = {"cvs", "svn", "git", "hg", "p"};

  /** Negative, zero or positive as {@code a} is older than, equal to or newer than {@code b}. */
  public static int compare(String a, String b) {
    return compare(a, b, false);
  }

  /** True when {@code version} is valid by apk's grammar. */
  public static boolean isValid(String version) {
    Cursor c = new Cursor(version, DIGIT);
    while (c.type != END && c.type != INVALID) {
      c.token();
    }
    return c.type == END;
  }

  /**
   * With {@code fuzzy}, a version equals any longer version it is a prefix of, token-wise: the
   * meaning of apk's {@code ~} operator ({@code foo~1.2} matches 1.2.3).
   */
  static int compare(String a, String b, boolean fuzzy) {
    Cursor ca = new Cursor(a, DIGIT);
    Cursor cb = new Cursor(b, DIGIT);
    long av = 0;
    long bv = 0;
    while (ca.type == cb.type && ca.type != END && ca.type != INVALID && av == bv) {
      av = ca.token();
      bv = cb.token();
    }
    if (av != bv) {
      return av < bv ? -1 : 1;
    }
    if (ca.type == cb.type) {
      return 0;
    }
    if (fuzzy && cb.type == END) {
      return 0;
    }
    // Equal so far: the longer version is newer unless what follows is a pre-release suffix.
    if (ca.type == SUFFIX && ca.copy().token() < 0) {
      return -1;
    }
    if (cb.type == SUFFIX && cb.copy().token() < 0) {
      return 1;
    }
    if (ca.type > cb.type) {
      return -1;
    }
    if (cb.type > ca.type) {
      return 1;
    }
    return 0;
  }

  private static final class Cursor {
    private final String s;
    private int pos;
    int type;

    Cursor(String s, int type) {
      this.s = s;
      this.type = s.isEmpty() ? END : type;
    }

    Cursor copy() {
      Cursor c = new Cursor(s, type);
      c.pos = pos;
      c.type = type;
      return c;
    }

    private int remaining() {
      return s.length() - pos;
    }

    long token() {
      long v = 0;
      int i = 0;
      int nextType = INVALID;
      if (remaining() <= 0) {
        type = END;
        return 0;
      }
      switch (type) {
        case DIGIT_OR_ZERO:
          if (s.charAt(pos) == '0') {
            // Leading zeros compare as a fraction: 1.05 < 1.5, as in apk. Like apk, the last zero
            // is left for the digit token that follows, so "1.0_rc" reads 1, 0, 0, _rc.
            while (i + 1 < remaining() && s.charAt(pos + i + 1) == '0') {
              i++;
            }
            nextType = DIGIT;
            v = -i;
            break;
          }
          // fall through
        case DIGIT:
        case SUFFIX_NO:
        case REVISION_NO:
          while (i < remaining() && isDigit(s.charAt(pos + i))) {
            v = v * 10 + (s.charAt(pos + i) - '0');
            i++;
          }
          if (i >= 18) {
            // apk rejects numbers this long rather than overflow
            type = INVALID;
            return -1;
          }
          break;
        case LETTER:
          v = s.charAt(pos);
          i = 1;
          break;
        case SUFFIX:
          {
            int found = indexOfPrefix(PRE_SUFFIXES);
            if (found >= 0) {
              i = PRE_SUFFIXES[found].length();
              v = found - PRE_SUFFIXES.length;
              break;
            }
            found = indexOfPrefix(POST_SUFFIXES);
            if (found >= 0) {
              i = POST_SUFFIXES[found].length();
              v = found;
              break;
            }
            type = INVALID;
            return -1;
          }
        default:
          type = INVALID;
          return -1;
      }
      pos += i;
      if (remaining() == 0) {
        type = END;
      } else if (nextType != INVALID) {
        type = nextType;
      } else {
        nextToken();
      }
      return v;
    }

    private int indexOfPrefix(String[] names) {
      for (int k = 0; k < names.length; k++) {
        if (s.startsWith(names[k], pos)) {
          return k;
        }
      }
      return -1;
    }

    private void nextToken() {
      int n = INVALID;
      char c = remaining() > 0 ? s.charAt(pos) : 0;
      if (remaining() == 0 || c == 0) {
        n = END;
      } else if ((type == DIGIT || type == DIGIT_OR_ZERO) && c >= 'a' && c <= 'z') {
        n = LETTER;
      } else if (type == LETTER && isDigit(c)) {
        n = DIGIT;
      } else if (type == SUFFIX && isDigit(c)) {
        n = SUFFIX_NO;
      } else {
        switch (c) {
          case '.':
            n = DIGIT_OR_ZERO;
            break;
          case '_':
            n = SUFFIX;
            break;
          case '-':
            if (remaining() > 1 && s.charAt(pos + 1) == 'r') {
              n = REVISION_NO;
              pos++;
            }
            break;
          default:
            break;
        }
        pos++;
      }
      if (n < type) {
        boolean allowed =
            (n == DIGIT_OR_ZERO && type == DIGIT)
                || (n == SUFFIX && type == SUFFIX_NO)
                || (n == DIGIT && type == LETTER);
        if (!allowed) {
          n = INVALID;
        }
      }
      type = n;
    }

    private static boolean isDigit(char c) {
      return c >= '0' && c <= '9';
    }
  }
}
