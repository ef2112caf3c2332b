package dev.apkimg;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A CPU architecture as apk names it ({@code x86_64}, {@code armv7}) and as OCI names it
 * (platform {@code linux/amd64}, {@code linux/arm/v7}): the one place that maps between them.
 *
 * @param apkName apk's name, the folder of a repository's index
 * @param ociArchitecture the OCI (Go) architecture
 * @param variant the OCI variant, or null
 */
public record Arch(String apkName, String ociArchitecture, String variant) {
  /** The architectures apkimg knows, in the order they are listed to users. */
  public static final List<Arch> KNOWN = List.of(
      new Arch("x86_64", "amd64", null),
      new Arch("aarch64", "arm64", null),
      new Arch("armv7", "arm", "v7"),
      new Arch("armhf", "arm", "v6"),
      new Arch("x86", "386", null),
      new Arch("ppc64le", "ppc64le", null),
      new Arch("s390x", "s390x", null),
      new Arch("riscv64", "riscv64", null),
      new Arch("loongarch64", "loong64", null));

  /** The apk names of {@link #KNOWN}. */
  public static final List<String> NAMES = KNOWN.stream().map(Arch::apkName).toList();

  /** The OCI platform, e.g. {@code linux/arm/v7}. */
  public String platform() {
    return "linux/" + ociArchitecture + (variant == null ? "" : "/" + variant);
  }

  /**
   * apk's name for {@code name}, given as apk writes it or as an OCI platform with or without
   * {@code linux/} ({@code arm64}, {@code linux/arm/v7}); an unknown name is returned as given
   * (without {@code linux/}), for the caller to refuse with context.
   */
  public static String apkName(String name) {
    return find(name).map(Arch::apkName)
        .orElse(name.startsWith("linux/") ? name.substring("linux/".length()) : name);
  }

  /** The architecture {@code name} names (apk name or OCI platform), if known. */
  public static Optional<Arch> find(String name) {
    String n = name.startsWith("linux/") ? name.substring("linux/".length()) : name;
    for (Arch a : KNOWN) {
      String oci = a.ociArchitecture + (a.variant == null ? "" : "/" + a.variant);
      if (a.apkName.equals(n) || oci.equals(n) || (a.apkName.equals("aarch64") && n.equals("arm64/v8"))) {
        return Optional.of(a);
      }
    }
    return Optional.empty();
  }

  /** The architecture {@code name} names; an error listing the known ones if none. */
  public static Arch of(String name) {
    return find(name).orElseThrow(() -> new ApkimgException("unknown architecture '" + apkName(name)
        + "' (known: " + String.join(", ", NAMES) + ")"));
  }

  /** The architecture this JVM runs on, if apkimg knows it. */
  public static Optional<Arch> host() {
    return hostOf(System.getProperty("os.arch", ""));
  }

  /** {@link #host()} for a value of {@code os.arch} ({@code amd64}, {@code aarch64}, ...). */
  static Optional<Arch> hostOf(String osArch) {
    String a = osArch.toLowerCase(Locale.ROOT);
    return switch (a) {
      case "amd64", "x86_64" -> find("x86_64");
      case "aarch64", "arm64" -> find("aarch64");
      case "arm" -> find("armv7");
      case "x86", "i386", "i686" -> find("x86");
      default -> find(a);
    };
  }
}
