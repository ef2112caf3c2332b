package dev.apkimg.image;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The runtime configuration of a single-platform image.
 *
 * <p>Two limits come from jib-core 0.28.1, which builds the image configuration: it keeps the
 * environment in a hash map, so the written {@code Env} list has a stable order that is not
 * necessarily the order given here; and it has no {@code variant} field, so {@code variant} is
 * not written (see {@link OciImageWriter}).
 *
 * @param os the operating system, e.g. {@code linux}
 * @param architecture the OCI architecture name, e.g. {@code amd64}, {@code arm64}
 * @param variant the CPU variant, e.g. {@code v7}, or {@code null}
 * @param entrypoint the entrypoint; empty for none
 * @param cmd the default arguments; empty for none
 * @param environment environment variables
 * @param workingDir an absolute path, or {@code null} for the default
 * @param created the image creation time, recorded in the configuration
 * @param user the user the container runs as ({@code uid:gid}), or {@code null} for root
 */
public record ImageConfig(
    String os,
    String architecture,
    String variant,
    List<String> entrypoint,
    List<String> cmd,
    Map<String, String> environment,
    String workingDir,
    Instant created,
    String user) {

  public ImageConfig {
    requireNonBlank(os, "os");
    requireNonBlank(architecture, "architecture");
    if (variant != null && variant.isBlank()) {
      throw new IllegalArgumentException("variant must be null or non-blank");
    }
    entrypoint = entrypoint == null ? List.of() : List.copyOf(entrypoint);
    cmd = cmd == null ? List.of() : List.copyOf(cmd);
    Map<String, String> env = new LinkedHashMap<>();
    if (environment != null) {
      environment.forEach(
          (name, value) -> {
            if (name == null || name.isEmpty() || name.contains("=")) {
              throw new IllegalArgumentException("invalid environment variable name: " + name);
            }
            env.put(name, Objects.requireNonNull(value, "value of environment variable " + name));
          });
    }
    environment = Collections.unmodifiableMap(env);
    if (workingDir != null && !workingDir.startsWith("/")) {
      throw new IllegalArgumentException("workingDir must be an absolute path: " + workingDir);
    }
    Objects.requireNonNull(created, "created");
    if (user != null && user.isBlank()) {
      throw new IllegalArgumentException("user must be null or non-blank");
    }
  }

  /** A configuration that runs as root. */
  public ImageConfig(String os, String architecture, String variant, List<String> entrypoint, List<String> cmd,
      Map<String, String> environment, String workingDir, Instant created) {
    this(os, architecture, variant, entrypoint, cmd, environment, workingDir, created, null);
  }

  /** A Linux image with no entrypoint, command, environment or working directory. */
  public static ImageConfig linux(String architecture, Instant created) {
    return new ImageConfig(
        "linux", architecture, null, List.of(), List.of(), Map.of(), null, created);
  }

  private static void requireNonBlank(String value, String name) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank");
    }
  }
}
