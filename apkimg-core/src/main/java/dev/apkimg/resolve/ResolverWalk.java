package dev.apkimg.resolve;

import dev.apkimg.apk.Dependency;
import dev.apkimg.apk.PackageInfo;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One round of the {@link Resolver}: a depth-first walk from the world, choosing greedily, as
 * apk does. When a later requirer or a conflict rules out a package chosen earlier, the walk
 * records the exclusion and stops ({@link #walk()} returns false); the resolver walks again.
 *
 * <p>Over ~300 lines on purpose: the choices (require, choose, install, install_if, conflicts)
 * and the explanation of a failure all read and write the same state of one walk (what is
 * chosen, who required what, what is excluded); split apart, each piece would pass that state
 * along.
 */
final class ResolverWalk {
  /** A requirement on a name: the atom and who asked for it (null: the world). */
  private record Requirement(Dependency dep, RepositoryPackage by) {
    @Override
    public String toString() {
      return (by == null ? "world" : by.info().nameVersion()) + "[" + dep + "]";
    }
  }

  /** Thrown inside a walk when a package has been excluded and the walk must start again. */
  private static final class Retry extends RuntimeException {
    Retry() {
      super(null, null, false, false);
    }
  }

  private final ProviderIndex index;
  private final List<Dependency> world;
  private final List<Dependency> worldConflicts = new ArrayList<>();
  /** Packages ruled out by earlier walks, with the requirements they break ("z-1[a<2]"). */
  private final Map<RepositoryPackage, List<String>> excluded;
  /** In the ordering walk: the packages chosen already; only they may be chosen again. */
  private final Set<RepositoryPackage> fixed;

  private final Map<String, RepositoryPackage> byName = new HashMap<>();
  /** Chosen packages under their own name and each name they provide. */
  private final Map<String, List<RepositoryPackage>> chosenProviders = new HashMap<>();
  private final Map<RepositoryPackage, Set<String>> allowedTags = new HashMap<>();
  private final Map<String, List<Requirement>> requirements = new HashMap<>();
  private final List<RepositoryPackage> order = new ArrayList<>();

  ResolverWalk(ProviderIndex index, List<Dependency> world, Map<RepositoryPackage, List<String>> excluded,
      Set<RepositoryPackage> fixed) {
    this.index = index;
    this.world = world;
    this.excluded = excluded;
    this.fixed = fixed;
    for (Dependency w : world) {
      if (w.conflict()) {
        worldConflicts.add(w);
      }
    }
  }

  /** True when the walk chose a consistent set; false when it excluded a package. */
  boolean walk() {
    try {
      for (Dependency dep : world) {
        if (!dep.conflict()) {
          require(dep, null, dep.tag() == null ? Set.of() : Set.of(dep.tag()), dep.tag());
        }
      }
      checkConflicts();
      return true;
    } catch (Retry r) {
      return false;
    }
  }

  private void require(Dependency dep, RepositoryPackage by, Set<String> tags, String preferredTag) {
    requirements.computeIfAbsent(dep.name(), k -> new ArrayList<>()).add(new Requirement(dep, by));
    // Chosen packages are the finished ones and those still visiting: a dependency cycle, which
    // apk installs in any order.
    for (RepositoryPackage chosen : chosenProviders.getOrDefault(dep.name(), List.of())) {
      if (chosen.info().satisfies(dep)) {
        return;
      }
    }
    RepositoryPackage pick = choose(dep, by, tags, preferredTag);
    install(pick, tags);
  }

  private RepositoryPackage choose(Dependency dep, RepositoryPackage by, Set<String> tags, String preferredTag) {
    List<RepositoryPackage> candidates = index.providers().getOrDefault(dep.name(), List.of());
    RepositoryPackage best = null;
    RepositoryPackage blockedBySameName = null;
    Comparator<RepositoryPackage> preference = ProviderOrder.preference(dep.name(), preferredTag);
    for (RepositoryPackage c : candidates) {
      if (!c.info().satisfies(dep) || excluded.containsKey(c) || worldConflict(c) != null
          || !tagAllowed(c, tags) || !autoSelectable(c, dep.name())
          || (fixed != null && !fixed.contains(c))) {
        continue;
      }
      RepositoryPackage same = byName.get(c.info().name());
      if (same != null && same != c) {
        if (blockedBySameName == null || preference.compare(c, blockedBySameName) < 0) {
          blockedBySameName = c;
        }
        continue;
      }
      if (best == null || preference.compare(c, best) < 0) {
        best = c;
      }
    }
    if (best != null) {
      return best;
    }
    if (blockedBySameName != null) {
      // Another version of that package was chosen earlier, for a requirer that this one
      // breaks: rule that version out and walk again, as apk would not have chosen it.
      RepositoryPackage earlier = byName.get(blockedBySameName.info().name());
      exclude(earlier, new Requirement(dep, by));
    }
    throw new ResolutionException(explain(dep, by, tags, preferredTag));
  }

  private void exclude(RepositoryPackage p, Requirement broken) {
    excluded.computeIfAbsent(p, k -> new ArrayList<>()).add(broken.toString());
    throw new Retry();
  }

  /** apk never picks a package from a tagged repository unless the atom (or a requirer) names the tag. */
  private boolean tagAllowed(RepositoryPackage c, Set<String> tags) {
    String tag = c.repository() == null ? null : c.repository().tag();
    return tag == null || tags.contains(tag);
  }

  /**
   * apk does not choose a package for a name it provides without a version (a virtual name)
   * unless the package has a {@code provider_priority} or is itself required by name.
   */
  private boolean autoSelectable(RepositoryPackage c, String name) {
    PackageInfo p = c.info();
    if (p.name().equals(name) || p.providerPriority() != 0 || requirements.containsKey(p.name())) {
      return true;
    }
    return ProviderOrder.providedVersion(p, name) != null;
  }

  /** The world's {@code !name} that rules {@code c} out, or null. */
  private Dependency worldConflict(RepositoryPackage c) {
    for (Dependency w : worldConflicts) {
      if (c.info().satisfies(withoutConflict(w))) {
        return w;
      }
    }
    return null;
  }

  private void install(RepositoryPackage pkg, Set<String> tags) {
    String name = pkg.info().name();
    if (byName.containsKey(name)) {
      return;
    }
    byName.put(name, pkg);
    allowedTags.put(pkg, tags);
    chosenProviders.computeIfAbsent(name, k -> new ArrayList<>(1)).add(pkg);
    for (Dependency p : pkg.info().provides()) {
      chosenProviders.computeIfAbsent(p.name(), k -> new ArrayList<>(1)).add(pkg);
    }
    for (Dependency d : pkg.info().depends()) {
      if (!d.conflict()) {
        require(d, pkg, tags, null);
      } else if (fixed != null) {
        orderAfterConflicting(d);
      }
    }
    order.add(pkg);
    triggerInstallIf(pkg);
  }

  /** In the ordering walk: the chosen provider of a conflicting name comes first, as in apk's changeset. */
  private void orderAfterConflicting(Dependency d) {
    for (RepositoryPackage other : fixed) {
      if (!byName.containsKey(other.info().name()) && ProviderOrder.provides(other.info(), d.name())) {
        install(other, Set.of());
        return;
      }
    }
  }

  /** Adds packages whose {@code install_if} conditions the installed set now meets. */
  private void triggerInstallIf(RepositoryPackage installed) {
    List<RepositoryPackage> candidates = new ArrayList<>(index.installIfByName().getOrDefault(installed.info().name(),
        List.of()));
    for (Dependency p : installed.info().provides()) {
      candidates.addAll(index.installIfByName().getOrDefault(p.name(), List.of()));
    }
    if (candidates.isEmpty()) {
      return;
    }
    candidates.sort(Comparator.comparing((RepositoryPackage c) -> c.info().name())
        .thenComparing(ProviderOrder.newestFirst()));
    for (RepositoryPackage c : candidates) {
      if (byName.containsKey(c.info().name()) || worldConflict(c) != null || excluded.containsKey(c)
          || (fixed != null && !fixed.contains(c))) {
        continue;
      }
      // As in apk's changeset, a condition counts as soon as its package is being installed,
      // not only once it is done: an install_if package can come before one of its conditions.
      Set<String> tags = new HashSet<>();
      boolean met = true;
      for (Dependency cond : c.info().installIf()) {
        RepositoryPackage by = chosenSatisfying(cond);
        if (by == null) {
          met = false;
          break;
        }
        tags.addAll(allowedTags.getOrDefault(by, Set.of()));
      }
      if (met && tagAllowed(c, tags) && c == bestByName(c.info().name(), tags)) {
        install(c, tags);
      }
    }
  }

  private RepositoryPackage chosenSatisfying(Dependency dep) {
    for (RepositoryPackage p : chosenProviders.getOrDefault(dep.name(), List.of())) {
      if (p.info().satisfies(dep)) {
        return p;
      }
    }
    return null;
  }

  private RepositoryPackage bestByName(String name, Set<String> tags) {
    RepositoryPackage best = null;
    Comparator<RepositoryPackage> newest = ProviderOrder.newestFirst();
    for (RepositoryPackage c : index.providers().getOrDefault(name, List.of())) {
      if (c.info().name().equals(name) && !excluded.containsKey(c) && tagAllowed(c, tags)
          && (best == null || newest.compare(c, best) < 0)) {
        best = c;
      }
    }
    return best;
  }

  /** A package's {@code !name} against the other chosen packages: rule out the one it breaks. */
  private void checkConflicts() {
    for (RepositoryPackage p : order) {
      for (Dependency d : p.info().depends()) {
        if (!d.conflict()) {
          continue;
        }
        Dependency positive = withoutConflict(d);
        for (RepositoryPackage other : chosenProviders.getOrDefault(d.name(), List.of())) {
          if (other != p && other.info().satisfies(positive)) {
            if (fixed != null) {
              throw new IllegalStateException("ordering walk found a conflict: " + p + " " + d + " " + other);
            }
            exclude(other, new Requirement(d, p));
          }
        }
      }
    }
  }

  /** True when some chosen package conflicts with a name another chosen package provides. */
  boolean needsConflictOrder() {
    for (RepositoryPackage p : order) {
      for (Dependency d : p.info().depends()) {
        if (d.conflict() && chosenProviders.containsKey(d.name())) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * One line with apk's facts: the name that cannot be chosen, the best package for it and the
   * requirements it breaks and satisfies (apk's "breaks:" and "satisfies:"), who required it.
   */
  private String explain(Dependency dep, RepositoryPackage by, Set<String> tags, String preferredTag) {
    Requirement asked = new Requirement(dep, by);
    List<RepositoryPackage> candidates = index.providers().getOrDefault(dep.name(), List.of());
    List<Requirement> reqs = new ArrayList<>(requirements.getOrDefault(dep.name(), List.of()));
    if (!reqs.contains(asked)) {
      reqs.add(asked);
    }
    String requiredBy = reqs.stream().map(Requirement::toString).distinct().collect(Collectors.joining(" "));
    StringBuilder m = new StringBuilder("unable to select packages: ");
    if (candidates.isEmpty()) {
      return m.append('\'').append(dep.name()).append("' (no such package): required by: ").append(requiredBy)
          .toString();
    }
    boolean virtual = candidates.stream()
        .allMatch(c -> !c.info().name().equals(dep.name()) && ProviderOrder.providedVersion(c.info(), dep.name()) == null);
    if (virtual && candidates.stream().noneMatch(c -> autoSelectable(c, dep.name()))) {
      return m.append(dep.name()).append(" (virtual): please select one of the 'provided by' packages explicitly;")
          .append(" provided by: ").append(candidates.stream().map(c -> c.info().name()).distinct()
              .collect(Collectors.joining(" ")))
          .append("; required by: ").append(requiredBy).toString();
    }
    List<RepositoryPackage> allowed = candidates.stream().filter(c -> tagAllowed(c, tags))
        .collect(Collectors.toList());
    if (allowed.isEmpty()) {
      // apk's words: the package is "masked in" a tagged repository the requirer did not name.
      RepositoryPackage masked = candidates.stream().min(ProviderOrder.preference(dep.name(), preferredTag)).orElseThrow();
      return m.append(masked.info().nameVersion()).append(": masked in: @").append(masked.repository().tag())
          .append("; satisfies: ").append(requiredBy).toString();
    }
    RepositoryPackage best = allowed.stream().min(ProviderOrder.preference(dep.name(), preferredTag)).orElseThrow();
    Set<String> breaks = new LinkedHashSet<>(excluded.getOrDefault(best, List.of()));
    Set<String> satisfies = new LinkedHashSet<>();
    for (Requirement r : reqs) {
      (best.info().satisfies(r.dep()) ? satisfies : breaks).add(r.toString());
    }
    Dependency forbidding = worldConflict(best);
    if (forbidding != null) {
      breaks.add("world[" + forbidding + "]");
    }
    m.append(best.info().nameVersion()).append(": breaks: ").append(String.join(" ", breaks));
    if (!satisfies.isEmpty()) {
      m.append("; satisfies: ").append(String.join(" ", satisfies));
    }
    String available = candidates.stream()
        .map(c -> c.info().name().equals(dep.name()) ? c.info().version() : c.info().nameVersion())
        .distinct()
        .collect(Collectors.joining(", "));
    return m.append(" (required by: ").append(reqs.stream()
            .map(r -> r.by() == null ? "world" : r.by().info().nameVersion()).distinct()
            .collect(Collectors.joining(", ")))
        .append("; available: ").append(available).append(')').toString();
  }

  /** The packages chosen, in install order. */
  List<RepositoryPackage> order() {
    return order;
  }

  private static Dependency withoutConflict(Dependency d) {
    return new Dependency(d.name(), d.tag(), d.operator(), d.version(), false);
  }
}
