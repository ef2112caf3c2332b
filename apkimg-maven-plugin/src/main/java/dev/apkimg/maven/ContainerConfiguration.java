package dev.apkimg.maven;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code <container>}: how the application runs, with jib-maven-plugin's names. Each has a
 * {@code -Dapkimg.container.NAME} property; {@link ContainerSettings} reads them.
 */
public class ContainerConfiguration {
  String mainClass;
  List<String> jvmFlags = new ArrayList<>();
  List<String> args = new ArrayList<>();
  Map<String, String> environment = new LinkedHashMap<>();
  List<String> ports = new ArrayList<>();
  Map<String, String> labels = new LinkedHashMap<>();
  List<String> volumes = new ArrayList<>();
  /** The whole entrypoint instead of {@code java ... mainClass}; {@code INHERIT}: the base's. */
  List<String> entrypoint = new ArrayList<>();
  /** Paths in the image put before the application's on the classpath. */
  List<String> extraClasspath = new ArrayList<>();
  /** EPOCH, USE_CURRENT_TIMESTAMP or an ISO-8601 time; default: the base's creation time. */
  String creationTime;
  /** EPOCH_PLUS_SECOND (default), EPOCH or an ISO-8601 time: the time of the application's files. */
  String filesModificationTime;
  String user;
  String workingDirectory;
  String appRoot = "/app";
  String format = "OCI";
}
