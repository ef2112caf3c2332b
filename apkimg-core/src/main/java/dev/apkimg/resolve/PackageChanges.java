package dev.apkimg.resolve;

import dev.apkimg.apk.ApkVersion;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What differs between two package sets (two resolutions, lockfiles or images): packages added,
 * removed, upgraded or downgraded (by apk's version order), and rebuilt (same version, another
 * {@code Q1} checksum, when both sides know it). Sorted by name, so the output is stable.
 */
public final class PackageChanges {
  private PackageChanges() {}

  /** A package as one side has it; {@code checksum} may be null (unknown). */
  public record Installed(String name, String version, String checksum) {
    public Installed {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(version, "version");
    }
  }

  public enum Kind {
    ADDED("added"), REMOVED("removed"), UPGRADED("upgraded"), DOWNGRADED("downgraded"), REBUILT("rebuilt");

    private final String word;

    Kind(String word) {
      this.word = word;
    }

    public String word() {
      return word;
    }
  }

  /** One change; {@code from} is null for an added package, {@code to} for a removed one. */
  public record Change(Kind kind, String name, String from, String to) {
    /** {@code upgraded musl 1.2.4-r0 -> 1.2.5-r0}, {@code added zlib 1.3.1-r1}. */
    public String line() {
      return switch (kind) {
        case ADDED -> kind.word() + " " + name + " " + to;
        case REMOVED -> kind.word() + " " + name + " " + from;
        case REBUILT -> kind.word() + " " + name + " " + to + " (another checksum)";
        default -> kind.word() + " " + name + " " + from + " -> " + to;
      };
    }
  }

  /** The changes from {@code before} to {@code after}, by name. */
  public static List<Change> between(Collection<Installed> before, Collection<Installed> after) {
    Map<String, Installed> a = byName(before);
    Map<String, Installed> b = byName(after);
    List<Change> changes = new ArrayList<>();
    TreeSet<String> names = new TreeSet<>(a.keySet());
    names.addAll(b.keySet());
    for (String name : names) {
      Installed x = a.get(name);
      Installed y = b.get(name);
      if (x == null) {
        changes.add(new Change(Kind.ADDED, name, null, y.version()));
      } else if (y == null) {
        changes.add(new Change(Kind.REMOVED, name, x.version(), null));
      } else if (!x.version().equals(y.version())) {
        int order = ApkVersion.compare(x.version(), y.version());
        changes.add(new Change(order > 0 ? Kind.DOWNGRADED : Kind.UPGRADED, name, x.version(), y.version()));
      } else if (x.checksum() != null && y.checksum() != null && !x.checksum().equals(y.checksum())) {
        changes.add(new Change(Kind.REBUILT, name, x.version(), y.version()));
      }
    }
    return changes;
  }

  private static Map<String, Installed> byName(Collection<Installed> packages) {
    Map<String, Installed> map = new TreeMap<>();
    for (Installed p : packages) {
      map.put(p.name(), p);
    }
    return map;
  }
}
