package dev.apkimg.resolve;

import dev.apkimg.apk.ApkVersion;
import dev.apkimg.apk.Dependency;
import dev.apkimg.apk.PackageInfo;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Chooses the packages for a world: dependencies by name and by {@code provides} (including
 * {@code so:}, {@code cmd:} and path names), version constraints, {@code provider_priority},
 * conflicts and {@code install_if}, preferring the newest version and then the earlier
 * repository. The install order puts each package after its dependencies.
 */
public final class Resolver {
  private final Map<String, List<RepositoryPackage>> providers = new HashMap<>();
  private final Map<String, List<RepositoryPackage>> installIfByName = new HashMap<>();

  public Resolver(List<RepositoryPackage> available) {
    for (RepositoryPackage rp : available) {
      PackageInfo p = rp.info();
      providers.computeIfAbsent(p.name(), k -> new ArrayList<>()).add(rp);
      for (Dependency provided : p.provides()) {
        providers.computeIfAbsent(provided.name(), k -> new ArrayList<>()).add(rp);
      }
      for (Dependency condition : p.installIf()) {
        installIfByName.computeIfAbsent(condition.name(), k -> new ArrayList<>()).add(rp);
      }
    }
  }

  public Resolution resolve(List<Dependency> world) {
    return new Run(world).resolve();
  }

  private final class Run {
    private final List<Dependency> world;
    private final Map<String, RepositoryPackage> byName = new LinkedHashMap<>();
    private final Set<String> visiting = new HashSet<>();
    private final List<RepositoryPackage> order = new ArrayList<>();
    private final Map<String, String> requiredBy = new HashMap<>();

    Run(List<Dependency> world) {
      this.world = world;
    }

    Resolution resolve() {
      List<Dependency> sorted = world.stream()
          .sorted(Comparator.comparing(Dependency::name))
          .collect(Collectors.toList());
      for (Dependency dep : sorted) {
        if (!dep.conflict()) {
          require(dep, "world");
        }
      }
      checkConflicts();
      return new Resolution(world, order);
    }

    private void require(Dependency dep, String by) {
      for (RepositoryPackage chosen : order) {
        if (chosen.info().satisfies(dep)) {
          return;
        }
      }
      for (RepositoryPackage inProgress : byName.values()) {
        if (visiting.contains(inProgress.info().name()) && inProgress.info().satisfies(dep)) {
          return; // a dependency cycle: apk installs such packages in any order
        }
      }
      RepositoryPackage pick = choose(dep, by);
      install(pick, by);
    }

    private RepositoryPackage choose(Dependency dep, String by) {
      List<RepositoryPackage> candidates = providers.getOrDefault(dep.name(), List.of());
      if (candidates.isEmpty()) {
        throw new ResolutionException("package '" + dep.name() + "' not found in any repository (required by: "
            + by + ")");
      }
      List<RepositoryPackage> matching = candidates.stream()
          .filter(c -> c.info().satisfies(dep))
          .filter(c -> !conflictsWithWorld(c))
          .filter(c -> {
            RepositoryPackage same = byName.get(c.info().name());
            return same == null || same == c;
          })
          .collect(Collectors.toList());
      if (matching.isEmpty()) {
        for (RepositoryPackage c : candidates) {
          Dependency forbidding = worldConflict(c);
          if (forbidding != null && c.info().satisfies(dep)) {
            throw new ResolutionException("world forbids " + c.info().name() + " (" + forbidding + "), but "
                + c.info().nameVersion() + " is required by: " + by + " (as " + dep + ")");
          }
        }
        String available = candidates.stream()
            .map(c -> c.info().name().equals(dep.name()) ? c.info().version() : c.info().nameVersion())
            .distinct()
            .collect(Collectors.joining(", "));
        throw new ResolutionException("no package satisfies " + dep + " (required by: " + by + "; available: "
            + available + ")");
      }
      return matching.stream().min(preference(dep)).orElseThrow();
    }

    private boolean conflictsWithWorld(RepositoryPackage c) {
      return worldConflict(c) != null;
    }

    /** The world's {@code !name} that rules {@code c} out, or null. */
    private Dependency worldConflict(RepositoryPackage c) {
      for (Dependency w : world) {
        if (w.conflict() && c.info().name().equals(w.name()) && w.versionMatches(c.info().version())) {
          return w;
        }
      }
      return null;
    }

    private void install(RepositoryPackage pkg, String by) {
      String name = pkg.info().name();
      if (byName.containsKey(name)) {
        return;
      }
      byName.put(name, pkg);
      requiredBy.put(name, by);
      visiting.add(name);
      for (Dependency d : pkg.info().depends()) {
        if (!d.conflict()) {
          require(d, pkg.info().nameVersion());
        }
      }
      visiting.remove(name);
      order.add(pkg);
      triggerInstallIf(pkg);
    }

    /** Adds packages whose {@code install_if} conditions the installed set now meets. */
    private void triggerInstallIf(RepositoryPackage installed) {
      Set<String> names = new HashSet<>();
      names.add(installed.info().name());
      installed.info().provides().forEach(p -> names.add(p.name()));
      List<RepositoryPackage> candidates = new ArrayList<>();
      for (String n : names) {
        candidates.addAll(installIfByName.getOrDefault(n, List.of()));
      }
      candidates.sort(Comparator.comparing((RepositoryPackage c) -> c.info().name())
          .thenComparing(newestFirst()));
      for (RepositoryPackage c : candidates) {
        if (byName.containsKey(c.info().name()) || conflictsWithWorld(c)) {
          continue;
        }
        // As in apk's changeset, a condition counts as soon as its package is being installed,
        // not only once it is done: an install_if package can come before one of its conditions.
        boolean met = c.info().installIf().stream().allMatch(cond -> byName.values().stream()
            .anyMatch(o -> o.info().satisfies(cond)));
        if (met && c == bestByName(c.info().name())) {
          install(c, "install_if of " + c.info().nameVersion());
        }
      }
    }

    private RepositoryPackage bestByName(String name) {
      return providers.getOrDefault(name, List.of()).stream()
          .filter(c -> c.info().name().equals(name))
          .min(newestFirst())
          .orElse(null);
    }

    private void checkConflicts() {
      for (RepositoryPackage p : order) {
        for (Dependency d : p.info().depends()) {
          if (!d.conflict()) {
            continue;
          }
          for (RepositoryPackage other : order) {
            if (other != p && other.info().satisfies(withoutConflict(d))) {
              throw new ResolutionException(p.info().nameVersion() + " conflicts with " + other.info().nameVersion()
                  + " (" + d + "; " + other.info().name() + " required by: " + requiredBy.get(other.info().name()) + ")");
            }
          }
        }
      }
      for (Dependency w : world) {
        if (!w.conflict()) {
          continue;
        }
        for (RepositoryPackage other : order) {
          if (other.info().satisfies(withoutConflict(w))) {
            throw new ResolutionException("world forbids " + w.name() + " (" + w + "), but "
                + other.info().nameVersion() + " is required by: " + requiredBy.get(other.info().name()));
          }
        }
      }
    }
  }

  private static Dependency withoutConflict(Dependency d) {
    return new Dependency(d.name(), d.tag(), d.operator(), d.version(), false);
  }

  /** Best first: the package named so, then higher provider_priority, newer version, earlier repository. */
  private static Comparator<RepositoryPackage> preference(Dependency dep) {
    Comparator<RepositoryPackage> byOwnName = Comparator.comparing(c -> c.info().name().equals(dep.name()) ? 0 : 1);
    return byOwnName
        .thenComparing(Comparator.comparingInt((RepositoryPackage c) -> c.info().providerPriority()).reversed())
        .thenComparing(newestFirst());
  }

  private static Comparator<RepositoryPackage> newestFirst() {
    return (a, b) -> {
      int v = ApkVersion.compare(b.info().version(), a.info().version());
      if (v != 0) {
        return v;
      }
      int r = Integer.compare(a.repositoryOrder(), b.repositoryOrder());
      return r != 0 ? r : a.info().name().compareTo(b.info().name());
    };
  }
}
