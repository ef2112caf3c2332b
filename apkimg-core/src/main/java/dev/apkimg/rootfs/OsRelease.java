package dev.apkimg.rootfs;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the image's {@code os-release} says about its distribution: scanners (Trivy, Grype) read
 * it to choose their vulnerability data, and SBOMs name the distribution from it.
 *
 * @param id {@code ID}, e.g. {@code alpine} or {@code wolfi}
 * @param versionId {@code VERSION_ID}, e.g. {@code 3.20.3}; may be null (rolling distributions)
 * @param name {@code NAME}, e.g. {@code Alpine Linux}; may be null
 * @param prettyName {@code PRETTY_NAME}; may be null
 */
public record OsRelease(String id, String versionId, String name, String prettyName) {
  /** Where systemd's os-release(5) looks, in its order; Alpine ships the first. */
  static final String ETC = "etc/os-release";
  static final String USR_LIB = "usr/lib/os-release";
  private static final Pattern LINE = Pattern.compile("^([A-Z0-9_]+)=(.*)$");
  private static final Pattern VALUE = Pattern.compile("[A-Za-z0-9._~+:-]+");
  private static final int MAX_VALUE = 256;

  public OsRelease {
    if (id == null || !VALUE.matcher(id).matches()) {
      throw new IllegalArgumentException("os-release ID must be a plain word: " + id);
    }
  }

  /**
   * Parses os-release(5) text: {@code KEY=value} lines, values optionally quoted; null when it
   * has no usable {@code ID}. Values that are not plain text are dropped, never passed on.
   */
  public static OsRelease parse(byte[] text) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (String line : new String(text, StandardCharsets.UTF_8).split("\n")) {
      Matcher m = LINE.matcher(line.strip());
      if (m.matches()) {
        String v = unquote(m.group(2).strip());
        if (v != null && !v.isEmpty() && v.length() <= MAX_VALUE && v.chars().noneMatch(Character::isISOControl)) {
          fields.putIfAbsent(m.group(1), v);
        }
      }
    }
    String id = fields.get("ID");
    if (id == null || !VALUE.matcher(id).matches()) {
      return null;
    }
    String versionId = fields.get("VERSION_ID");
    return new OsRelease(id, versionId != null && VALUE.matcher(versionId).matches() ? versionId : null,
        fields.get("NAME"), fields.get("PRETTY_NAME"));
  }

  /** The {@code X.Y} of {@link #versionId()} ({@code 3.20} of {@code 3.20.3}), else the whole of it, else null. */
  public String majorMinor() {
    if (versionId == null) {
      return null;
    }
    Matcher m = Pattern.compile("^(\\d+\\.\\d+)").matcher(versionId);
    return m.find() ? m.group(1) : versionId;
  }

  private static String unquote(String v) {
    if (v.length() >= 2 && (v.charAt(0) == '"' || v.charAt(0) == '\'') && v.charAt(v.length() - 1) == v.charAt(0)) {
      return v.substring(1, v.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
    }
    return v;
  }

  /**
   * A mutation that changes nothing and reads the finished tree's os-release: added last, so it
   * sees what packages, {@code files:} and {@code paths:} made of it.
   */
  public static Reader reader() {
    return new Reader();
  }

  /** Reads {@code etc/os-release} (following a link such as Alpine 3.21's to {@code usr/lib}), else {@code usr/lib/os-release}. */
  public static final class Reader implements RootfsMutation {
    private OsRelease found;
    private boolean present;

    private Reader() {}

    @Override
    public Set<String> reads() {
      return Set.of(ETC, USR_LIB);
    }

    @Override
    public void apply(RootfsTree tree) {
      for (String path : new String[] {ETC, USR_LIB}) {
        Optional<byte[]> bytes;
        try {
          bytes = tree.content(tree.resolve(path));
        } catch (dev.apkimg.ApkimgException | IllegalStateException e) {
          // A link that leaves the image or loops, or to a file not read: no usable os-release there.
          present |= tree.exists(path);
          continue;
        }
        if (bytes.isPresent()) {
          present = true;
          found = parse(bytes.get());
          return;
        }
      }
    }

    /** Whether the image has an os-release file at all. */
    public boolean present() {
      return present;
    }

    /** What it says, when it names an ID. */
    public Optional<OsRelease> osRelease() {
      return Optional.ofNullable(found);
    }
  }
}
