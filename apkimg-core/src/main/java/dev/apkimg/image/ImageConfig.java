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
 * <p>jib-core 0.28.1 builds the image configuration. It keeps the environment in a hash map;
 * {@link PlatformImage} writes {@code Env} back in the order given here.
 * It has no {@code variant} or {@code StopSignal}: {@link ImagePublisher} adds them to jib's
 * configuration before anything is published.
 *
 * @param os the operating system, e.g. {@code linux}
 * @param architecture the OCI architecture name, e.g. {@code amd64}, {@code arm64}
 * @param variant the CPU variant, e.g. {@code v7}, or {@code null}
 * @param entrypoint the entrypoint; empty for none
 * @param cmd the default arguments; empty for none
 * @param environment environment variables
 * @param workingDir an absolute path, or {@code null} for the default
 * @param created the image creation time, recorded in the configuration
 * @param labels {@code Labels}
 * @param volumes {@code Volumes}: absolute paths
 * @param exposedPorts {@code ExposedPorts}: {@code PORT/tcp} or {@code PORT/udp}
 * @param stopSignal {@code StopSignal}, e.g. {@code SIGTERM}, or {@code null}
 * @param history the history entry of the root filesystem layer
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
    Map<String, String> labels,
    List<String> volumes,
    List<String> exposedPorts,
    String stopSignal,
    History history,
    String user) {

  /** The layer's history entry: what made it ({@code created_by}) and what it holds. */
  public record History(String createdBy, String comment) {
    public static final History DEFAULT = new History("apkimg", "root filesystem");

    public History {
      Objects.requireNonNull(createdBy, "createdBy");
    }
  }

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
    labels = labels == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    volumes = volumes == null ? List.of() : List.copyOf(volumes);
    for (String volume : volumes) {
      if (!volume.startsWith("/")) {
        throw new IllegalArgumentException("volume must be an absolute path: " + volume);
      }
    }
    // PORT/tcp or PORT/udp, ranges expanded: the form the config's ExposedPorts keys take.
    exposedPorts = exposedPorts == null ? List.of() : Ports.expandAll(exposedPorts);
    if (stopSignal != null && stopSignal.isBlank()) {
      throw new IllegalArgumentException("stopSignal must be null or non-blank");
    }
    history = history == null ? History.DEFAULT : history;
    if (user != null && user.isBlank()) {
      throw new IllegalArgumentException("user must be null or non-blank");
    }
  }


  /** The runtime settings without labels, volumes, ports, stop signal or history. */
  public ImageConfig(String os, String architecture, String variant, List<String> entrypoint,
      List<String> cmd, Map<String, String> environment, String workingDir, Instant created) {
    this(os, architecture, variant, entrypoint, cmd, environment, workingDir, created,
        null, null, null, null, null, null);
  }

  /** This configuration with the given labels, volumes, ports, stop signal and history. */
  public ImageConfig withMetadata(Map<String, String> labels, List<String> volumes,
      List<String> exposedPorts, String stopSignal, History history) {
    return new ImageConfig(os, architecture, variant, entrypoint, cmd, environment, workingDir,
        created, labels, volumes, exposedPorts, stopSignal, history, user);
  }

  /** This configuration running as {@code user} ({@code uid:gid}; {@code null}: root). */
  public ImageConfig withUser(String user) {
    return new ImageConfig(os, architecture, variant, entrypoint, cmd, environment, workingDir,
        created, labels, volumes, exposedPorts, stopSignal, history, user);
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
