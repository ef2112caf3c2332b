package dev.apkimg.apk;

import java.util.ArrayList;
import java.util.List;

/** Collects index fields ({@code P:}, {@code V:}, ...) or {@code .PKGINFO} keys into a {@link PackageInfo}. */
final class PackageInfoBuilder {
  String checksum;
  String name;
  String version;
  String arch;
  long size;
  long installedSize;
  String description = "";
  String url = "";
  String license = "";
  String origin;
  String maintainer;
  long buildTime;
  String commit;
  int providerPriority;
  int replacesPriority;
  final List<Dependency> depends = new ArrayList<>();
  final List<Dependency> provides = new ArrayList<>();
  final List<Dependency> installIf = new ArrayList<>();
  final List<Dependency> replaces = new ArrayList<>();
  private boolean empty = true;

  boolean isEmpty() {
    return empty;
  }

  /** One APKINDEX field; unknown fields are ignored, as apk ignores them. */
  void set(char key, String value) {
    empty = false;
    switch (key) {
      case 'C' -> checksum = value;
      case 'P' -> name = value;
      case 'V' -> version = value;
      case 'A' -> arch = value;
      case 'S' -> size = Long.parseLong(value);
      case 'I' -> installedSize = Long.parseLong(value);
      case 'T' -> description = value;
      case 'U' -> url = value;
      case 'L' -> license = value;
      case 'o' -> origin = value;
      case 'm' -> maintainer = value;
      case 't' -> buildTime = Long.parseLong(value);
      case 'c' -> commit = value;
      case 'k' -> providerPriority = Integer.parseInt(value);
      case 'q' -> replacesPriority = Integer.parseInt(value);
      case 'D' -> depends.addAll(Dependency.parseList(value));
      case 'p' -> provides.addAll(Dependency.parseList(value));
      case 'i' -> installIf.addAll(Dependency.parseList(value));
      case 'r' -> replaces.addAll(Dependency.parseList(value));
      default -> { }
    }
  }

  PackageInfo build() {
    if (name == null || version == null) {
      throw new IllegalArgumentException("package entry without name or version");
    }
    PackageInfo p = new PackageInfo(checksum, name, version, arch, size, installedSize, description, url, license,
        origin, maintainer, buildTime, commit, providerPriority, depends, provides, installIf, replaces,
        replacesPriority);
    // Names become file names and URLs: checked here, where they enter.
    PackageNames.check(p);
    return p;
  }
}
