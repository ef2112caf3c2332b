package dev.apkimg.profile;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An image profile: apko's configuration names ({@code contents}, {@code archs},
 * {@code entrypoint}, {@code cmd}, {@code environment}, {@code work-dir}, {@code annotations},
 * {@code volumes}, {@code stop-signal}, {@code vcs-url}) so that an apko file builds unchanged,
 * as far as the keys supported so far go; plus ours: {@code labels}, {@code ports}.
 */
public record ImageProfile(
    Contents contents,
    List<String> archs,
    Entrypoint entrypoint,
    String cmd,
    Map<String, String> environment,
    @JsonProperty("work-dir") String workDir,
    Map<String, String> annotations,
    Map<String, String> labels,
    List<String> volumes,
    List<String> ports,
    @JsonProperty("stop-signal") String stopSignal,
    @JsonProperty("vcs-url") String vcsUrl) {

  public ImageProfile {
    contents = contents == null ? new Contents(null, null, null) : contents;
    archs = archs == null ? List.of() : List.copyOf(archs);
    environment = environment == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(environment));
    archs = archs.stream().map(ImageProfile::apkArch).distinct().toList();
    annotations = annotations == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(annotations));
    labels = labels == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    volumes = volumes == null ? List.of() : List.copyOf(volumes);
    ports = ports == null ? List.of() : List.copyOf(ports);
  }

  /** The apk name of an architecture also given by its OCI name ({@code amd64}, {@code arm/v7}). */
  public static String apkArch(String arch) {
    return switch (arch) {
      case "amd64", "linux/amd64" -> "x86_64";
      case "arm64", "arm64/v8", "linux/arm64", "linux/arm64/v8" -> "aarch64";
      case "arm/v7", "linux/arm/v7" -> "armv7";
      case "arm/v6", "linux/arm/v6" -> "armhf";
      case "386", "linux/386" -> "x86";
      case "loong64", "linux/loong64" -> "loongarch64";
      default -> arch.startsWith("linux/") ? arch.substring("linux/".length()) : arch;
    };
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper CANONICAL = new com.fasterxml.jackson.databind.ObjectMapper()
      .enable(com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .enable(com.fasterxml.jackson.databind.MapperFeature.SORT_PROPERTIES_ALPHABETICALLY);

  /**
   * A checksum of what the profile means, not of its bytes: comments, formatting, line endings
   * and key order do not change it. Lockfiles record it to notice an edited profile.
   */
  public String checksum() {
    try {
      byte[] canonical = CANONICAL.writeValueAsBytes(this);
      return "sha256:" + java.util.HexFormat.of().formatHex(
          java.security.MessageDigest.getInstance("SHA-256").digest(canonical));
    } catch (com.fasterxml.jackson.core.JsonProcessingException | java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Where packages come from and which to install. */
  public record Contents(List<String> repositories, List<String> keyring, List<String> packages) {
    public Contents {
      repositories = repositories == null ? List.of() : List.copyOf(repositories);
      keyring = keyring == null ? List.of() : List.copyOf(keyring);
      packages = packages == null ? List.of() : List.copyOf(packages);
    }
  }

  /**
   * The image's entrypoint: {@code command} is split into words as a shell would; {@code
   * shell-fragment} runs under {@code /bin/sh -c}, as in apko.
   */
  public record Entrypoint(String command, @JsonProperty("shell-fragment") String shellFragment) {}
}
