package dev.apkimg.profile;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An image profile: apko's configuration names ({@code contents}, {@code archs},
 * {@code entrypoint}, {@code cmd}, {@code environment}, {@code work-dir}) so that an apko file
 * builds unchanged, as far as the keys supported so far go.
 */
public record ImageProfile(
    Contents contents,
    List<String> archs,
    Entrypoint entrypoint,
    String cmd,
    Map<String, String> environment,
    @JsonProperty("work-dir") String workDir) {

  public ImageProfile {
    contents = contents == null ? new Contents(null, null, null) : contents;
    archs = archs == null ? List.of() : List.copyOf(archs);
    environment = environment == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(environment));
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

  /** The image's entrypoint; {@code command} is split into words as a shell would. */
  public record Entrypoint(String command) {}
}
