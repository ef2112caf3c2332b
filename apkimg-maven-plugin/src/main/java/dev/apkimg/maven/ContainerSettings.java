package dev.apkimg.maven;

import dev.apkimg.ApkimgException;
import dev.apkimg.image.ImageConfig;
import dev.apkimg.image.ImageOutputs;
import dev.apkimg.image.Ports;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code <container>} read and checked: what the image runs and how it is described, laid over
 * the profile's configuration by {@link #imageConfig}.
 *
 * @param mainClass the configured main class, or {@code null} (then the jar manifest's)
 * @param entrypoint {@code null}: {@code java JVMFLAGS -cp CLASSPATH MAINCLASS}; {@code
 *     [INHERIT]}: the base's; else this entrypoint
 * @param args the image's {@code Cmd}, or {@code null} when not given
 * @param ports {@code PORT/tcp} or {@code PORT/udp}, ranges expanded
 * @param creationTime the image's creation time, or {@code null} for the base's
 * @param filesModificationTime the time of every application file
 */
record ContainerSettings(
    String mainClass,
    List<String> jvmFlags,
    List<String> entrypoint,
    List<String> args,
    Map<String, String> environment,
    Map<String, String> labels,
    List<String> ports,
    List<String> volumes,
    List<String> extraClasspath,
    Instant creationTime,
    Instant filesModificationTime,
    String user,
    String workingDirectory,
    String appRoot,
    ImageOutputs.Format format) {
  static final String INHERIT = "INHERIT";
  /** jib's default for application files: 1 s after the epoch, not the build machine's clock. */
  static final Instant EPOCH_PLUS_SECOND = Instant.ofEpochSecond(1);
  private static final Pattern CLASS_NAME =
      Pattern.compile("[\\p{L}_$][\\p{L}\\p{N}_$]*(\\.[\\p{L}_$][\\p{L}\\p{N}_$]*)*");

  static ContainerSettings read(ContainerConfiguration c, ConfigValues v, Clock clock) {
    ContainerConfiguration container = c == null ? new ContainerConfiguration() : c;
    String mainClass = v.value("apkimg.container.mainClass", container.mainClass);
    if (mainClass != null) {
      checkMainClass(mainClass);
    }
    List<String> entrypoint = v.list("apkimg.container.entrypoint", container.entrypoint);
    if (entrypoint.contains(INHERIT) && entrypoint.size() > 1) {
      throw new ApkimgException("<container><entrypoint> is INHERIT alone or a command, not both: " + entrypoint);
    }
    // A property that is set but empty clears the arguments: -Dapkimg.container.args= gives no Cmd.
    List<String> args = v.list("apkimg.container.args", container.args);
    boolean argsGiven = !args.isEmpty() || v.isSet("apkimg.container.args");
    String appRoot = absolute("appRoot", v.value("apkimg.container.appRoot", container.appRoot));
    String workingDirectory = v.value("apkimg.container.workingDirectory", container.workingDirectory);
    List<String> volumes = v.list("apkimg.container.volumes", container.volumes);
    volumes.forEach(volume -> absolute("volumes", volume));
    return new ContainerSettings(
        mainClass,
        v.list("apkimg.container.jvmFlags", container.jvmFlags),
        entrypoint.isEmpty() ? null : entrypoint,
        argsGiven ? args : null,
        v.map("apkimg.container.environment", container.environment),
        v.map("apkimg.container.labels", container.labels),
        ports(v.list("apkimg.container.ports", container.ports)),
        volumes,
        v.list("apkimg.container.extraClasspath", container.extraClasspath),
        creationTime(v.value("apkimg.container.creationTime", container.creationTime), clock),
        filesModificationTime(v.value("apkimg.container.filesModificationTime", container.filesModificationTime)),
        v.value("apkimg.container.user", container.user),
        workingDirectory == null ? null : absolute("workingDirectory", workingDirectory),
        appRoot,
        format(v.value("apkimg.container.format", container.format)));
  }

  static void checkMainClass(String mainClass) {
    if (!CLASS_NAME.matcher(mainClass).matches()) {
      throw new ApkimgException("main class '" + mainClass + "' is not a Java class name (<container><mainClass>)");
    }
  }

  /** Whether the image runs java with the main class, so that a main class is needed. */
  boolean runsJava() {
    return entrypoint == null;
  }

  boolean inheritsEntrypoint() {
    return entrypoint != null && entrypoint.equals(List.of(INHERIT));
  }

  /**
   * The profile's configuration with the application on top: the entrypoint, its arguments, and
   * environment, labels, ports and volumes added to (and replacing) the profile's. The stop
   * signal, variant and history stay the profile's.
   *
   * @param classpath the classpath, in order, for the java entrypoint
   */
  ImageConfig imageConfig(ImageConfig base, String mainClass, List<String> classpath) {
    List<String> newEntrypoint;
    List<String> cmd;
    if (inheritsEntrypoint()) {
      newEntrypoint = base.entrypoint();
      cmd = args != null ? args : base.cmd();
    } else {
      if (entrypoint != null) {
        newEntrypoint = entrypoint;
      } else {
        newEntrypoint = new ArrayList<>();
        newEntrypoint.add("java");
        newEntrypoint.addAll(jvmFlags);
        newEntrypoint.addAll(List.of("-cp", String.join(":", classpath), mainClass));
      }
      // The profile's cmd was written for the profile's entrypoint, not for this one.
      cmd = args != null ? args : List.of();
    }
    Map<String, String> env = new LinkedHashMap<>(base.environment());
    env.putAll(environment);
    Map<String, String> allLabels = new LinkedHashMap<>(base.labels());
    allLabels.putAll(labels);
    Set<String> allPorts = new LinkedHashSet<>(base.exposedPorts());
    allPorts.addAll(ports);
    Set<String> allVolumes = new LinkedHashSet<>(base.volumes());
    allVolumes.addAll(volumes);
    return new ImageConfig(base.os(), base.architecture(), base.variant(), newEntrypoint, cmd, env,
        workingDirectory != null ? workingDirectory : base.workingDir(),
        creationTime != null ? creationTime : base.created(),
        allLabels, List.copyOf(allVolumes), List.copyOf(allPorts), base.stopSignal(), base.history(),
        user != null ? user : base.user());
  }

  /** Ports in the core's one grammar ({@link Ports}): {@code 8080}, {@code 53/udp}, {@code 7000-7002/tcp}. */
  static List<String> ports(List<String> specs) {
    try {
      return Ports.expandAll(specs);
    } catch (IllegalArgumentException e) {
      throw new ApkimgException("port " + e.getMessage() + " (<container><ports>)");
    }
  }

  /** EPOCH, USE_CURRENT_TIMESTAMP or ISO-8601, as jib's {@code creationTime}; {@code null}: not set. */
  static Instant creationTime(String value, Clock clock) {
    if (value == null) {
      return null;
    }
    return switch (value) {
      case "EPOCH" -> Instant.EPOCH;
      case "USE_CURRENT_TIMESTAMP" -> clock.instant();
      default -> isoTime(value, "<container><creationTime>", "EPOCH, USE_CURRENT_TIMESTAMP");
    };
  }

  /** EPOCH_PLUS_SECOND (the default), EPOCH or ISO-8601, as jib's {@code filesModificationTime}. */
  static Instant filesModificationTime(String value) {
    if (value == null || value.equals("EPOCH_PLUS_SECOND")) {
      return EPOCH_PLUS_SECOND;
    }
    if (value.equals("EPOCH")) {
      return Instant.EPOCH;
    }
    return isoTime(value, "<container><filesModificationTime>", "EPOCH_PLUS_SECOND, EPOCH");
  }

  private static Instant isoTime(String value, String parameter, String keywords) {
    try {
      TemporalAccessor t = DateTimeFormatter.ISO_DATE_TIME.parseBest(value, OffsetDateTime::from, Instant::from);
      Instant instant = t instanceof OffsetDateTime o ? o.toInstant() : (Instant) t;
      if (instant.isBefore(Instant.EPOCH) || instant.getEpochSecond() > 253402300799L) {
        throw new ApkimgException(parameter + " '" + value + "' is before 1970 or after 9999");
      }
      return instant;
    } catch (DateTimeParseException | ClassCastException e) {
      throw new ApkimgException(parameter + " is '" + value + "': use " + keywords
          + " or an ISO-8601 time with a zone, e.g. 2024-01-01T00:00:00Z");
    }
  }

  static ImageOutputs.Format format(String format) {
    if (format == null || format.equalsIgnoreCase("oci")) {
      return ImageOutputs.Format.OCI;
    }
    if (format.equalsIgnoreCase("docker")) {
      return ImageOutputs.Format.DOCKER;
    }
    throw new ApkimgException("<container><format> is " + format + ": use OCI or Docker");
  }

  static String absolute(String parameter, String path) {
    if (path == null || !path.startsWith("/") || path.contains("\0")
        || List.of(path.split("/")).contains("..")) {
      throw new ApkimgException("<container><" + parameter + "> must be an absolute path without '..', was " + path);
    }
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }
}
