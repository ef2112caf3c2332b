package dev.apkimg;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * apkimg-core's packages form floors: each uses only packages below it, so the graph of which
 * package names which has no cycle; the public API ({@code api}) names no implementation
 * ({@code pipeline} implements it and is found at run time), and no package is called {@code build}.
 */
class PackageGraphTest {
  private static final Path SOURCES = Path.of("src/main/java");
  private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.apkimg((?:\\.[a-z][a-z0-9]*)*)\\.[A-Z]");

  static Map<String, Set<String>> graph() throws IOException {
    Map<String, Set<String>> edges = new TreeMap<>();
    try (Stream<Path> files = Files.walk(SOURCES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        String from = "dev.apkimg" + packageSuffix(SOURCES.resolve("dev/apkimg").relativize(file.getParent()));
        Set<String> to = edges.computeIfAbsent(from, k -> new TreeSet<>());
        Matcher m = REFERENCE.matcher(Files.readString(file));
        while (m.find()) {
          String target = "dev.apkimg" + m.group(1);
          if (!target.equals(from)) {
            to.add(target);
          }
        }
      }
    }
    return edges;
  }

  private static String packageSuffix(Path relative) {
    String s = relative.toString().replace('/', '.').replace('\\', '.');
    return s.isEmpty() ? "" : "." + s;
  }

  @Test
  void thePackageGraphHasNoCycle() throws IOException {
    Map<String, Set<String>> edges = graph();
    List<String> cycles = new ArrayList<>();
    for (String start : edges.keySet()) {
      findCycle(edges, start, new ArrayList<>(List.of(start)), cycles);
    }
    assertThat(cycles).as("package cycles in " + edges).isEmpty();
  }

  private static void findCycle(Map<String, Set<String>> edges, String at, List<String> path, List<String> cycles) {
    for (String next : edges.getOrDefault(at, Set.of())) {
      if (next.equals(path.get(0))) {
        cycles.add(String.join(" -> ", path) + " -> " + next);
      } else if (!path.contains(next) && next.compareTo(path.get(0)) > 0) {
        path.add(next);
        findCycle(edges, next, path, cycles);
        path.remove(path.size() - 1);
      }
    }
  }

  @Test
  void theApiNamesNoImplementationAndNoPackageIsCalledBuild() throws IOException {
    Map<String, Set<String>> edges = graph();
    assertThat(edges.get("dev.apkimg.api")).doesNotContain("dev.apkimg.pipeline");
    assertThat(edges.get("dev.apkimg.pipeline")).contains("dev.apkimg.api");
    assertThat(edges.keySet()).noneMatch(p -> p.endsWith(".build"));
    // the root package is the ground floor: its helpers name nothing above them
    assertThat(edges.get("dev.apkimg")).isEmpty();
  }
}
