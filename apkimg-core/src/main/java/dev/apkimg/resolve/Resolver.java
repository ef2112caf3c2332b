package dev.apkimg.resolve;

import dev.apkimg.apk.Dependency;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Chooses the packages for a world as apk-tools does: dependencies by name and by {@code provides}
 * (including {@code so:}, {@code cmd:} and path names), version constraints and checksum pins,
 * conflicts, {@code install_if}, and {@code @tag} pinned repositories. Among the providers of a
 * name it prefers, as apk: the preferred repository tag, then the highest provided version, then
 * the newest package of one name, then {@code provider_priority}, then the earlier repository
 * ({@link ProviderOrder}). The install order puts each package after its dependencies, in apk's
 * changeset order.
 *
 * <p>A round is one depth-first walk from the world, choosing greedily ({@link ResolverWalk}).
 * When a later requirer or a conflict rules out a package chosen earlier, that package is
 * excluded and the walk starts again; exclusions only grow, so this ends, and a walk without
 * exclusions keeps the order it always had.
 */
public final class Resolver {
  private final ProviderIndex index;

  public Resolver(List<RepositoryPackage> available) {
    this.index = ProviderIndex.of(available);
  }

  public Resolution resolve(List<Dependency> world) {
    // As `apk add`: one world atom per name, a later atom replacing an earlier one.
    Map<String, Dependency> atoms = new LinkedHashMap<>();
    for (Dependency d : world) {
      atoms.put(d.name(), d);
    }
    for (Dependency d : atoms.values()) {
      if (d.tag() != null && !index.repositoryTags().contains(d.tag())) {
        // apk refuses the whole transaction ("missing repository tags").
        throw new ResolutionException("unable to select packages: missing repository tag @" + d.tag()
            + ": no repository is tagged so (required by: world[" + d + "])");
      }
    }
    List<Dependency> effective = atoms.values().stream()
        .sorted(Comparator.comparing(Dependency::name)) // apk sorts the world by name
        .collect(Collectors.toList());
    Map<RepositoryPackage, List<String>> excluded = new HashMap<>();
    while (true) {
      ResolverWalk run = new ResolverWalk(index, effective, excluded, null);
      if (!run.walk()) {
        continue; // something was excluded: walk again
      }
      if (run.needsConflictOrder()) {
        // apk orders a package after the chosen provider of a name it conflicts with (a
        // non-matching version): a second walk over the same choices adds those edges.
        ResolverWalk ordered = new ResolverWalk(index, effective, excluded, Set.copyOf(run.order()));
        if (ordered.walk()) {
          return new Resolution(world, ordered.order());
        }
      }
      return new Resolution(world, run.order());
    }
  }
}
