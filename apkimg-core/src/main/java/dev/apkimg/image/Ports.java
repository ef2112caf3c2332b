package dev.apkimg.image;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one grammar for exposed ports, as Dockerfiles and jib write them: {@code 8080},
 * {@code 53/udp}, {@code 8080/tcp}, and ranges {@code 7000-7002[/tcp|/udp]}; each port 1 to 65535.
 */
public final class Ports {
  private static final Pattern PORT = Pattern.compile("([0-9]{1,5})(?:-([0-9]{1,5}))?(?:/(tcp|udp))?");
  /** A range wider than this is a typo, not a service (and would bloat the image config). */
  static final int MAX_RANGE = 1024;

  private Ports() {}

  /**
   * The ports {@code spec} names, each as {@code PORT/tcp} or {@code PORT/udp}.
   *
   * @throws IllegalArgumentException naming the spec and the grammar
   */
  public static List<String> expand(String spec) {
    Matcher m = PORT.matcher(spec.strip().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + spec + "' is not PORT, PORT/tcp, PORT/udp or FROM-TO[/tcp|/udp]");
    }
    int from = Integer.parseInt(m.group(1));
    int to = m.group(2) == null ? from : Integer.parseInt(m.group(2));
    if (from < 1 || to > 65535 || to < from) {
      throw new IllegalArgumentException("'" + spec + "' is out of range 1-65535");
    }
    if (to - from >= MAX_RANGE) {
      throw new IllegalArgumentException("'" + spec + "' names more than " + MAX_RANGE + " ports");
    }
    String protocol = m.group(3) == null ? "tcp" : m.group(3);
    List<String> out = new ArrayList<>();
    for (int p = from; p <= to; p++) {
      out.add(p + "/" + protocol);
    }
    return out;
  }

  /** Every port of {@code specs}, expanded, in order, without repeats. */
  public static List<String> expandAll(List<String> specs) {
    return specs.stream().flatMap(s -> expand(s).stream()).distinct().toList();
  }
}
