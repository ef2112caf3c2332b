package dev.apkimg.resolve;

import dev.apkimg.apk.Dependency;
import dev.apkimg.apk.PackageInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The available packages looked up as apk looks them up: by each name they provide (their own
 * included) and by each name their {@code install_if} mentions; and the repository tags there
 * are. Built once per resolver, read by every walk.
 */
record ProviderIndex(Map<String, List<RepositoryPackage>> providers,
    Map<String, List<RepositoryPackage>> installIfByName, Set<String> repositoryTags) {

  static ProviderIndex of(List<RepositoryPackage> available) {
    Map<String, List<RepositoryPackage>> providers = new HashMap<>();
    Map<String, List<RepositoryPackage>> installIfByName = new HashMap<>();
    Set<String> repositoryTags = new HashSet<>();
    for (RepositoryPackage rp : available) {
      PackageInfo p = rp.info();
      if (rp.repository() != null && rp.repository().tag() != null) {
        repositoryTags.add(rp.repository().tag());
      }
      providers.computeIfAbsent(p.name(), k -> new ArrayList<>()).add(rp);
      for (Dependency provided : p.provides()) {
        providers.computeIfAbsent(provided.name(), k -> new ArrayList<>()).add(rp);
      }
      for (Dependency condition : p.installIf()) {
        installIfByName.computeIfAbsent(condition.name(), k -> new ArrayList<>()).add(rp);
      }
    }
    return new ProviderIndex(providers, installIfByName, repositoryTags);
  }
}
