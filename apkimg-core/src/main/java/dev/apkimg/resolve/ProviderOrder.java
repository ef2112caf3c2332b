package dev.apkimg.resolve;

import dev.apkimg.apk.ApkVersion;
import dev.apkimg.apk.Dependency;
import dev.apkimg.apk.PackageInfo;
import java.util.Comparator;
import java.util.Objects;

/**
 * apk's order among the packages that could satisfy a name: the preferred repository tag, the
 * provided version, the newer package, {@code provider_priority}, the earlier repository. Pure
 * functions of the packages, kept apart from the walk so that the walk reads as apk's choices.
 */
final class ProviderOrder {
  private ProviderOrder() {}

  static boolean provides(PackageInfo p, String name) {
    if (p.name().equals(name)) {
      return true;
    }
    for (Dependency d : p.provides()) {
      if (d.name().equals(name)) {
        return true;
      }
    }
    return false;
  }

  /** The version under which {@code p} provides {@code name}: its own, a provide's, or null (unversioned). */
  static String providedVersion(PackageInfo p, String name) {
    if (p.name().equals(name)) {
      return p.version();
    }
    for (Dependency d : p.provides()) {
      if (d.name().equals(name) && d.operator() == Dependency.Operator.EQUAL) {
        return d.version();
      }
    }
    return null;
  }

  /**
   * Best first, in apk's order: the preferred repository tag (the atom's, or untagged), the higher
   * version under the requested name (an unversioned provide lowest), for one package name the
   * newer version, higher provider_priority, the earlier repository.
   */
  static Comparator<RepositoryPackage> preference(String name, String preferredTag) {
    return (a, b) -> {
      int t = Boolean.compare(preferred(b, preferredTag), preferred(a, preferredTag));
      if (t != 0) {
        return t;
      }
      String va = providedVersion(a.info(), name);
      String vb = providedVersion(b.info(), name);
      if (va == null || vb == null) {
        if (va != vb) {
          return va == null ? 1 : -1;
        }
      } else {
        int v = ApkVersion.compare(vb, va);
        if (v != 0) {
          return v;
        }
      }
      if (a.info().name().equals(b.info().name())) {
        int v = ApkVersion.compare(b.info().version(), a.info().version());
        if (v != 0) {
          return v;
        }
      }
      int p = Integer.compare(b.info().providerPriority(), a.info().providerPriority());
      if (p != 0) {
        return p;
      }
      int r = Integer.compare(a.repositoryOrder(), b.repositoryOrder());
      return r != 0 ? r : a.info().name().compareTo(b.info().name());
    };
  }

  private static boolean preferred(RepositoryPackage c, String preferredTag) {
    return Objects.equals(c.repository() == null ? null : c.repository().tag(), preferredTag);
  }

  static Comparator<RepositoryPackage> newestFirst() {
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
