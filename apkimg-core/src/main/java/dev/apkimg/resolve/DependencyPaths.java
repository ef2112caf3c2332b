package dev.apkimg.resolve;

import dev.apkimg.apk.Dependency;
import dev.apkimg.apk.PackageInfo;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Why a package is in a {@link Resolution}: the dependency paths from the world to it, as {@code
 * apk info -r} and {@code apk dot} show them. One path per direct requirer (the world first, then
 * the requiring packages in install order), each the shortest way from the world to that requirer
 * that does not pass through the package itself. A step names the dependency as written and, when
 * that is another package's provided name, the package chosen for it: {@code so:libcrypto.so.3
 * (libcrypto3)}. A package chosen only for its {@code install_if} gets a line naming the condition.
 */
public final class DependencyPaths {
  /** The world, as the first step of every path. */
  public static final String WORLD = "world";

  private final Resolution resolution;
  private final List<PackageInfo> chosen;

  private DependencyPaths(Resolution resolution) {
    this.resolution = resolution;
    this.chosen = resolution.packages().stream().map(RepositoryPackage::info).toList();
  }

  public static DependencyPaths of(Resolution resolution) {
    return new DependencyPaths(resolution);
  }

  /** The chosen package of that name, else the chosen package providing it ({@code so:libz.so.1}). */
  public Optional<PackageInfo> find(String name) {
    Optional<PackageInfo> byName = chosen.stream().filter(p -> p.name().equals(name)).findFirst();
    return byName.isPresent() ? byName : chosen.stream().filter(p -> p.satisfies(Dependency.any(name))).findFirst();
  }

  /** The paths to {@code target} (a chosen package), each a list of steps starting with {@link #WORLD}. */
  public List<List<String>> to(PackageInfo target) {
    List<List<String>> paths = new ArrayList<>();
    for (Dependency d : worldAtoms()) {
      if (provider(d) == target) {
        paths.add(List.of(WORLD, step(d, target)));
      }
    }
    Map<PackageInfo, List<String>> shortest = shortestPaths(target);
    for (PackageInfo requirer : chosen) {
      if (requirer == target || !shortest.containsKey(requirer)) {
        continue;
      }
      for (Dependency d : requirer.depends()) {
        if (!d.conflict() && provider(d) == target) {
          List<String> path = new ArrayList<>(shortest.get(requirer));
          path.add(step(d, target));
          paths.add(List.copyOf(path));
          break; // one line per requirer
        }
      }
    }
    if (!target.installIf().isEmpty() && target.installIf().stream().allMatch(d -> provider(d) != null)) {
      paths.add(List.of(WORLD, "install_if " + String.join(" ",
          target.installIf().stream().map(Dependency::toString).toList()) + " (" + target.name() + ")"));
    }
    return paths;
  }

  /** Breadth first from the world, never entering {@code avoid}: the path to each package reached. */
  private Map<PackageInfo, List<String>> shortestPaths(PackageInfo avoid) {
    Map<PackageInfo, List<String>> paths = new HashMap<>();
    Deque<PackageInfo> queue = new ArrayDeque<>();
    for (Dependency d : worldAtoms()) {
      PackageInfo p = provider(d);
      if (p != null && p != avoid && !paths.containsKey(p)) {
        paths.put(p, List.of(WORLD, step(d, p)));
        queue.add(p);
      }
    }
    while (!queue.isEmpty()) {
      PackageInfo from = queue.poll();
      for (Dependency d : from.depends()) {
        PackageInfo p = d.conflict() ? null : provider(d);
        if (p != null && p != avoid && !paths.containsKey(p)) {
          List<String> path = new ArrayList<>(paths.get(from));
          path.add(step(d, p));
          paths.put(p, List.copyOf(path));
          queue.add(p);
        }
      }
    }
    return paths;
  }

  /** The world as the resolver reads it: one atom per name (the last wins), sorted by name. */
  private List<Dependency> worldAtoms() {
    Map<String, Dependency> atoms = new LinkedHashMap<>();
    for (Dependency d : resolution.world()) {
      atoms.put(d.name(), d);
    }
    return atoms.values().stream().sorted(java.util.Comparator.comparing(Dependency::name)).toList();
  }

  /** The chosen package that satisfies {@code d}: the one of its name first, else a provider; null if none. */
  private PackageInfo provider(Dependency d) {
    PackageInfo named = null;
    PackageInfo providing = null;
    for (PackageInfo p : chosen) {
      if (p.name().equals(d.name())) {
        named = p;
        break;
      }
      if (providing == null && p.satisfies(d)) {
        providing = p;
      }
    }
    return named != null ? named : providing;
  }

  private static String step(Dependency d, PackageInfo p) {
    return d.name().equals(p.name()) ? p.name() : d.name() + " (" + p.name() + ")";
  }
}
