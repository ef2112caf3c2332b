package dev.apkimg.rootfs;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * apko's s6 supervision tree for {@code entrypoint.services}: per service a folder
 * {@code /sv/NAME} with a {@code run} script ({@code #!/bin/execlineb}, the command, mode 0755)
 * that {@code s6-svscan /sv} starts and restarts. The folders are made 0777 as apko makes them:
 * s6 writes its state into them, also when the image runs as a user other than root.
 */
public final class SupervisionTree implements RootfsMutation {
  /** The scan directory. */
  public static final String ROOT = "sv";
  /** Service names become folder names: no slashes, no hidden or dot folders. */
  public static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_-][a-zA-Z0-9_.-]*");

  private final Map<String, String> services;

  public SupervisionTree(Map<String, String> services) {
    this.services = new TreeMap<>(services);
  }

  /** The run script of a service, as apko writes it. */
  public static byte[] runScript(String command) {
    return ("#!/bin/execlineb\n" + command + "\n").getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void apply(RootfsTree tree) {
    if (services.isEmpty()) {
      return;
    }
    if (!tree.exists(ROOT)) {
      tree.mkdirs(ROOT, 0777, 0, 0);
    }
    services.forEach((name, command) -> {
      String dir = ROOT + "/" + name;
      if (!tree.exists(dir)) {
        tree.mkdirs(dir, 0777, 0, 0);
      }
      tree.writeFile(dir + "/run", runScript(command), 0755, 0, 0);
    });
  }
}
