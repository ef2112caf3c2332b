package dev.apkimg;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The core speaks to every front end, so its messages name no front end's flags: a setting that
 * would help is a {@link Hint}, which the CLI renders as its flag and the Maven plugin as its
 * parameter. This scans every string literal of apkimg-core's main sources for flag names
 * ({@code --name}, or {@code -k KEYFILE}-style short flags).
 */
class CoreMessagesNameNoFlagsTest {
  private static final Path SOURCES = Path.of("src/main/java");
  private static final Pattern LITERAL = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");
  private static final Pattern FLAG = Pattern.compile("(?:^|[\\s(])(--[a-z][a-z-]*|-[a-zA-Z](?=[\\s)]))");

  /**
   * Literals that are not front-end flags: the busybox options that install scripts pass to
   * addgroup, adduser and mkdir (parsed, never printed as advice), java-cacerts' trust extract
   * line and update-ca-certificates (matched, never advice), and docker's own option.
   */
  private static final Map<String, Set<String>> NOT_OURS = Map.of(
      "dev/apkimg/rootfs/InstallScriptEffects.java", Set.of("--install"),
      "dev/apkimg/rootfs/ShellScriptSyntax.java", Set.of("--install"),
      "dev/apkimg/rootfs/BusyboxAccountCommands.java", Set.of("--gid", "--system", "--home", "--gecos", "--shell",
          "--ingroup", "--uid", "--skel", "--disabled-password", "--no-create-home"),
      "dev/apkimg/rootfs/BusyboxFileCommands.java", Set.of("--parents", "--mode"),
      "dev/apkimg/rootfs/JavaCacertsHook.java", Set.of("--overwrite", "--format", "--filter", "--purpose", "--fresh"),
      "dev/apkimg/image/DaemonLoad.java", Set.of("--input"));

  @Test
  void noStringLiteralInCoreNamesAFlag() throws IOException {
    List<String> found = new ArrayList<>();
    try (Stream<Path> files = Files.walk(SOURCES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
        String relative = SOURCES.relativize(file).toString().replace('\\', '/');
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
          String line = lines.get(i).strip();
          if (line.startsWith("//") || line.startsWith("*") || line.startsWith("/*")) {
            continue;
          }
          Matcher literal = LITERAL.matcher(line);
          while (literal.find()) {
            Matcher flag = FLAG.matcher(literal.group(1));
            while (flag.find()) {
              String name = flag.group(1).replaceAll("=.*", "");
              if (!NOT_OURS.getOrDefault(relative, Set.of()).contains(name)) {
                found.add(relative + ":" + (i + 1) + ": " + name + " in \"" + literal.group(1) + "\"");
              }
            }
          }
        }
      }
    }
    assertThat(found).as("flags named in apkimg-core's messages (use a dev.apkimg.Hint instead)").isEmpty();
  }

  @Test
  void theScanFindsAFlagWhereThereIsOne() {
    Matcher literal = LITERAL.matcher("throw new ApkimgException(\"give -o FILE, or pass --allow-untrusted\");");
    assertThat(literal.find()).isTrue();
    List<String> flags = new ArrayList<>();
    Matcher flag = FLAG.matcher(literal.group(1));
    while (flag.find()) {
      flags.add(flag.group(1));
    }
    assertThat(flags).containsExactly("-o", "--allow-untrusted");
  }
}
