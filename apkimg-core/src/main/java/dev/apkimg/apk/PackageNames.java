package dev.apkimg.apk;

import java.util.Base64;
import java.util.regex.Pattern;

/**
 * The grammar of the index and {@code .PKGINFO} fields that become file names and URLs
 * ({@code NAME-VERSION.apk}, {@code ARCH/}, cache entries), checked where they enter: a name from
 * a mirror never becomes a path unchecked. Names as abuild allows them (a letter or digit, then
 * letters, digits and {@code + - . _}), versions by apk's version grammar, architectures as apk
 * names them ({@code x86_64}, {@code noarch}, ...), checksums as apk's {@code Q1} + base64 SHA-1.
 */
public final class PackageNames {
  /** Longer than any real name or version; a bound on what a name can make a file name. */
  public static final int MAX_LENGTH = 255;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9+._-]*");
  /**
   * The characters apk's version grammar uses, starting with a digit ({@link ApkVersion#isValid}
   * checks the grammar itself, which lets an empty number such as {@code ..} through).
   */
  private static final Pattern VERSION = Pattern.compile("[0-9][0-9a-z._-]*");
  private static final Pattern ARCH = Pattern.compile("[a-z0-9][a-z0-9_]*");
  private static final Pattern Q1 = Pattern.compile("Q1[A-Za-z0-9+/]{27}=");

  private PackageNames() {}

  public static boolean isValidName(String name) {
    return name != null && name.length() <= MAX_LENGTH && NAME.matcher(name).matches();
  }

  public static boolean isValidVersion(String version) {
    return version != null && version.length() <= MAX_LENGTH && VERSION.matcher(version).matches()
        && !version.contains("..") && ApkVersion.isValid(version);
  }

  public static boolean isValidArch(String arch) {
    return arch != null && arch.length() <= 64 && ARCH.matcher(arch).matches();
  }

  /** {@code Q1} + base64 of a 20-byte SHA-1, as in an index's {@code C:} field. */
  public static boolean isValidChecksum(String checksum) {
    return checksum != null && Q1.matcher(checksum).matches();
  }

  /** The SHA-1 a {@code Q1} checksum names, as 40 hex digits (a file name that no index text reaches). */
  public static String checksumHex(String checksum) {
    if (!isValidChecksum(checksum)) {
      throw new IllegalArgumentException("not a Q1 checksum: " + quote(checksum));
    }
    return java.util.HexFormat.of().formatHex(Base64.getDecoder().decode(checksum.substring(2)));
  }

  /**
   * Checks the fields of {@code p} that become names (the checksum, {@code C:}, is checked where
   * it becomes a cache path: {@link #checksumHex}); the message names the field, the package
   * and the value (quoted, control characters escaped).
   */
  public static void check(PackageInfo p) {
    String who = isValidName(p.name()) ? "package " + p.name() : "a package";
    if (!isValidName(p.name())) {
      throw new IllegalArgumentException("P: (package name) " + quote(p.name())
          + " is not a valid apk package name (letters, digits and + - . _, starting with a letter or digit)");
    }
    if (!isValidVersion(p.version())) {
      throw new IllegalArgumentException(who + ": V: (version) " + quote(p.version())
          + " is not a valid apk version");
    }
    if (p.arch() != null && !isValidArch(p.arch())) {
      throw new IllegalArgumentException(who + "-" + p.version() + ": A: (architecture) " + quote(p.arch())
          + " is not a valid apk architecture");
    }
    if (p.size() < 0 || p.installedSize() < 0) {
      throw new IllegalArgumentException(who + "-" + p.version() + ": S:/I: (size) is negative");
    }
  }

  /** {@code 'value'}, shortened, with control characters escaped, for messages. */
  public static String quote(String value) {
    if (value == null) {
      return "(none)";
    }
    StringBuilder s = new StringBuilder("'");
    int n = Math.min(value.length(), 80);
    for (int i = 0; i < n; i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        s.append(String.format("\\x%02x", (int) c));
      } else {
        s.append(c);
      }
    }
    if (value.length() > n) {
      s.append("...");
    }
    return s.append('\'').toString();
  }
}
