package dev.apkimg.api;

import java.util.List;

/**
 * Why a package is installed: what {@code apkimg why} prints.
 *
 * @param arch the apk architecture resolved
 * @param name the package asked about (a provided name, such as {@code so:libz.so.1}, finds its provider)
 * @param installed the name of the package installed for it; null when none is
 * @param version its version; null when none is installed
 * @param paths the dependency paths from the world to it, each a list of steps starting with {@code world}
 */
public record WhyResult(String arch, String name, String installed, String version, List<List<String>> paths) {
  public WhyResult {
    paths = paths.stream().map(List::copyOf).toList();
  }

  /** Whether the profile installs the package. */
  public boolean isInstalled() {
    return installed != null;
  }
}
