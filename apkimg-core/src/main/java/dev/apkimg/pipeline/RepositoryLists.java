package dev.apkimg.pipeline;

import dev.apkimg.ApkimgException;
import dev.apkimg.profile.ImageProfile;
import dev.apkimg.repo.Keyring;
import dev.apkimg.repo.Repository;
import dev.apkimg.repo.RepositorySpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which repositories a build reads and which its image names, with apko's meaning: a build reads
 * the profile's {@code repositories} and {@code build_repositories}, or only the mirrors given to
 * the build ({@code -r}); the image's {@code etc/apk/repositories} names the profile's
 * {@code repositories} and {@code runtime_repositories}, never a mirror given to the build, never a
 * user and password, and never a host folder of {@code repositories} (it means nothing inside a
 * container, where apk would warn that it cannot open it: apko#1107).
 */
final class RepositoryLists {
  private RepositoryLists() {}

  /** What the build reads, in order; an empty list is an error naming the keys to fill. */
  static List<Repository> build(BuildContext c) {
    List<Repository> repositories = c.request.repositories().isEmpty()
        ? distinct(c.profile.contents().repositories(), c.profile.contents().buildRepositories()).stream()
            .map(r -> Repository.parse(r, c.baseDir)).toList()
        : c.request.repositories().stream().map(r -> Repository.parse(r, null)).toList();
    if (repositories.isEmpty()) {
      throw new ApkimgException(c.profileFile + ": contents.repositories is empty: name a repository in the profile"
          + " (repositories or build_repositories), or give one to the build");
    }
    return repositories;
  }

  /** The lines of the image's {@code etc/apk/repositories}; {@code detail} hears what was left out. */
  static List<String> image(ImageProfile profile, java.util.function.Consumer<String> detail) {
    List<String> lines = new java.util.ArrayList<>();
    for (String entry : profile.contents().repositories()) {
      RepositorySpec spec = RepositorySpec.parse(entry);
      if (spec.isPath() || spec.location().startsWith("file:")) {
        detail.accept("etc/apk/repositories: leaving out " + entry.strip()
            + " (a folder on this machine; name what the image should use in contents.runtime_repositories)");
        continue;
      }
      lines.add(Repository.parse(entry, null).spec());
    }
    for (String entry : profile.contents().runtimeRepositories()) {
      RepositorySpec spec = RepositorySpec.parse(entry);
      // A path here names a folder in the image: written as given.
      lines.add(spec.isPath() ? spec.toString() : Repository.parse(entry, null).spec());
    }
    return List.copyOf(new LinkedHashSet<>(lines));
  }

  /**
   * The keys of the image's {@code etc/apk/keys}: those that verified the build's indexes and
   * packages, and the profile's {@code runtime_keyring}. A runtime key may not replace another
   * key of the same name.
   */
  static Map<String, byte[]> imageKeys(Map<String, byte[]> used, ImageProfile profile, Path profileFile) {
    Map<String, byte[]> keys = new java.util.TreeMap<>(used);
    for (ImageProfile.RuntimeKey key : profile.contents().runtimeKeyring()) {
      byte[] pem = key.content().strip().concat("\n").getBytes(StandardCharsets.US_ASCII);
      byte[] other = keys.putIfAbsent(key.name(), pem);
      if (other != null && !Arrays.equals(other, pem) && !Keyring.parsePem(other, key.name())
          .equals(Keyring.parsePem(pem, key.name()))) {
        throw new ApkimgException(profileFile + ": contents.runtime_keyring: key '" + key.name()
            + "' has the name of a key the build used, with other content: rename it");
      }
    }
    return keys;
  }

  private static List<String> distinct(List<String> a, List<String> b) {
    Set<String> all = new LinkedHashSet<>(a);
    all.addAll(b);
    return List.copyOf(all);
  }
}
