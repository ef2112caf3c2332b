package dev.apkimg.resolve;

import dev.apkimg.apk.Dependency;
import java.util.List;

/** The packages to install for a world, in install order (dependencies first). */
public record Resolution(List<Dependency> world, List<RepositoryPackage> packages) {
  public Resolution {
    world = List.copyOf(world);
    packages = List.copyOf(packages);
  }
}
