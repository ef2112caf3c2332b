package dev.apkimg.api;

import java.util.List;

/**
 * A profile resolved for one architecture: what {@code apkimg resolve} prints.
 *
 * @param arch the apk architecture
 * @param repositories the repositories read, as given (credentials redacted)
 * @param packages the packages chosen, in install order
 */
public record ResolveResult(String arch, List<String> repositories, List<Package> packages) {
  public ResolveResult {
    repositories = List.copyOf(repositories);
    packages = List.copyOf(packages);
  }

  /** One chosen package and the repository it comes from. */
  public record Package(String name, String version, String arch, String checksum, String repository) {}
}
