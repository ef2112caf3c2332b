package dev.apkimg.maven;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code <container>}: how the application runs, with jib-maven-plugin's names. */
public class ContainerConfiguration {
  String mainClass;
  List<String> jvmFlags = new ArrayList<>();
  List<String> args = new ArrayList<>();
  Map<String, String> environment = new LinkedHashMap<>();
  List<String> ports = new ArrayList<>();
  Map<String, String> labels = new LinkedHashMap<>();
  String user;
  String workingDirectory;
  String appRoot = "/app";
  String format = "OCI";
}
