package dev.apkimg.build;

import dev.apkimg.profile.ImageProfile;
import dev.apkimg.repo.Keyring;
import dev.apkimg.repo.Repository;
import dev.apkimg.resolve.Resolution;
import java.nio.file.Path;
import java.util.List;

/**
 * A profile resolved for one architecture: the repositories and keys in effect and the packages
 * chosen, in install order. What {@code apkimg resolve} prints and a build installs.
 */
public record ResolvedBuild(
    Path profileFile,
    ImageProfile profile,
    String arch,
    List<Repository> repositories,
    Keyring keyring,
    Resolution resolution) {
  public ResolvedBuild {
    repositories = List.copyOf(repositories);
  }
}
