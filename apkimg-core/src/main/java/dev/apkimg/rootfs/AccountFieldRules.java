package dev.apkimg.rootfs;

/**
 * What a field added to etc/passwd or etc/group may hold, and how a refused value is quoted.
 * Kept apart from {@link AccountFiles}' line editing because the profile's validators ask the
 * same questions long before any file is edited; {@link AccountFiles} keeps the public entry points.
 */
final class AccountFieldRules {
  private AccountFieldRules() {}

  /**
   * Why {@code name} is not a user or group name, or null: busybox's die_if_bad_username
   * (a letter, digit or '_' first, then also '.' and '-', a '$' only at the end), at most
   * {@link AccountFiles#MAX_NAME_LENGTH} characters, and not all digits (it would read as an id).
   */
  static String nameProblem(String name) {
    if (name == null || name.isEmpty()) {
      return "a name is missing";
    }
    if (name.length() > AccountFiles.MAX_NAME_LENGTH) {
      return "'" + printable(name) + "' is longer than " + AccountFiles.MAX_NAME_LENGTH + " characters";
    }
    if (!name.matches("[A-Za-z0-9_][A-Za-z0-9_.-]*\\$?")) {
      return "'" + printable(name) + "' is not a valid name: use letters, digits, '_', '.' and '-',"
          + " not starting with '.' or '-' (a '$' may end it)";
    }
    if (name.matches("[0-9]+")) {
      return "'" + name + "' is all digits: a name must not read as a uid or gid";
    }
    return null;
  }

  /** Why {@code path} is no home directory or login shell for etc/passwd, or null. */
  static String pathProblem(String path) {
    if (path == null || !path.startsWith("/")) {
      return "'" + printable(path) + "' is not an absolute path";
    }
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == ':' || c == ',' || c < 0x20 || c == 0x7f) {
        return "'" + printable(path) + "' contains " + (c == ':' || c == ',' ? "'" + c + "'" : "a control character")
            + ": etc/passwd cannot hold it";
      }
    }
    for (String part : path.split("/")) {
      if (part.equals("..")) {
        return "'" + printable(path) + "' contains '..'";
      }
    }
    return null;
  }

  /** Why {@code id} is no uid or gid, or null. */
  static String idProblem(long id) {
    return id < 0 || id > AccountFiles.MAX_ID ? id + " is not from 0 to " + AccountFiles.MAX_ID : null;
  }

  /** Why a GECOS field cannot be written to etc/passwd, or null. */
  static String gecosProblem(String gecos) {
    for (int i = 0; i < gecos.length(); i++) {
      char c = gecos.charAt(i);
      if (c == ':' || c < 0x20 || c == 0x7f) {
        return "'" + printable(gecos) + "' contains " + (c == ':' ? "':'" : "a control character");
      }
    }
    return null;
  }

  /** {@code s} for a one-line message: control characters escaped, at most 64 characters. */
  static String printable(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder sb = new StringBuilder();
    int i = 0;
    for (; i < s.length() && sb.length() < 64; i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> sb.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
      }
    }
    return i < s.length() ? sb + "..." : sb.toString();
  }
}
