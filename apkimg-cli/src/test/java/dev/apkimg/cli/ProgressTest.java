package dev.apkimg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.testing.LoopbackHttpServer;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code apkimg build --progress}: what each mode writes on stderr, and stdout holding the digest alone. */
class ProgressTest {
  private static final String DIGEST_LINE = "sha256:[0-9a-f]{64}\n";

  @TempDir Path tmp;

  private LoopbackHttpServer server;
  private Path profile;

  @BeforeEach
  void setUp() throws IOException {
    Path keyFile = TestKeys.primary().writePublicKey(tmp.resolve("keys"));
    Path mirror = tmp.resolve("mirror");
    new TestRepository(TestKeys.primary())
        .add(TestPackage.builder("libfoo", "1.2-r0").builddate(1_700_000_000L)
            .dir("usr").dir("usr/lib").file("usr/lib/libfoo.so.1", "libfoo\n".getBytes(StandardCharsets.UTF_8), 0755)
            .provides("so:libfoo.so.1=1").build())
        .add(TestPackage.builder("app", "2.0-r1").builddate(1_700_000_100L)
            .depends("so:libfoo.so.1")
            .dir("usr").dir("usr/bin").file("usr/bin/app", "#!/bin/sh\necho app\n".getBytes(StandardCharsets.UTF_8), 0755)
            .build())
        .write(mirror.resolve("alpine/main"));
    server = LoopbackHttpServer.serve(mirror);
    profile = tmp.resolve("app.yaml");
    Files.writeString(profile, """
        contents:
          repositories:
            - %salpine/main
          keyring:
            - %s
          packages: [app]
        archs: [x86_64]
        cmd: /usr/bin/app
        """.formatted(server.url(), keyFile));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void plainPrefixesEveryLineWithTheElapsedSeconds() {
    Result r = build("--progress", "plain");
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.out).matches(DIGEST_LINE);
    List<String> lines = r.err.lines().toList();
    assertThat(lines).isNotEmpty().allMatch(l -> l.matches("\\[ *\\d+\\.\\d\\ds\\] \\S.*"), "[  0.42s] prefix");
    assertThat(lines).anyMatch(l -> l.matches("\\[ *\\d+\\.\\d\\ds\\] resolved 2 packages for x86_64: .*app-2.0-r1.*"));
    assertThat(lines).anyMatch(l -> l.matches("\\[ *\\d+\\.\\d\\ds\\] wrote .*out\\.tar \\(.*"));
    assertThat(r.err).doesNotContain("\r", "\u001b");
  }

  @Test
  void withoutATerminalTheDefaultIsPlain() {
    Result r = build(); // the tests' stderr is no terminal: auto means plain
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.out).matches(DIGEST_LINE);
    assertThat(r.err.lines()).isNotEmpty().allMatch(l -> l.matches("\\[ *\\d+\\.\\d\\ds\\] \\S.*"));
    assertThat(r.err).doesNotContain("\r", "\u001b");
  }

  @Test
  void jsonPrintsOneParsableEventPerLine() throws IOException {
    Result r = build("--progress", "json", "-v");
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.out).matches(DIGEST_LINE);
    List<JsonNode> events = new ArrayList<>();
    ObjectMapper mapper = new ObjectMapper();
    for (String line : r.err.lines().toList()) {
      JsonNode event = mapper.readTree(line);
      assertThat(event.isObject()).as(line).isTrue();
      assertThat(event.get("t").isNumber()).as(line).isTrue();
      assertThat(event.get("event").asText()).as(line).matches("[a-z]+(-[a-z]+)*");
      assertThat(event.get("level").asText()).as(line).isIn("info", "warning", "detail");
      assertThat(event.get("message").asText()).as(line).isNotEmpty();
      events.add(event);
    }
    JsonNode resolved = events.stream().filter(e -> e.get("event").asText().equals("resolved")).findFirst().orElseThrow();
    assertThat(resolved.get("arch").asText()).isEqualTo("x86_64");
    assertThat(resolved.get("packages")).hasSize(2);
    assertThat(resolved.get("message").asText()).startsWith("resolved 2 packages for x86_64: ");
    JsonNode layer = events.stream().filter(e -> e.get("event").asText().equals("layer-written")).findFirst().orElseThrow();
    assertThat(layer.get("size").asLong()).isPositive();
    assertThat(events).anyMatch(e -> e.get("level").asText().equals("detail"));
    assertThat(events).extracting(e -> e.get("t").asDouble()).isSorted();
  }

  @Test
  void jsonEndsAFailedBuildWithAnErrorEvent() throws IOException {
    Files.writeString(profile, Files.readString(profile).replace("[app]", "[no-such-package]"));
    Result r = build("--progress", "json");
    assertThat(r.code).isEqualTo(1);
    assertThat(r.out).isEmpty();
    List<String> lines = r.err.lines().toList();
    // The error event, then the one-line error every command prints.
    JsonNode error = new ObjectMapper().readTree(lines.get(lines.size() - 2));
    assertThat(error.get("event").asText()).isEqualTo("error");
    assertThat(error.get("message").asText()).contains("no-such-package");
    assertThat(lines.get(lines.size() - 1)).startsWith("apkimg: error: ").contains("no-such-package");
  }

  @Test
  void ttyRedrawsAStatusLineAndClearsItAtTheEnd() {
    Result r = build("--progress", "tty");
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.out).matches(DIGEST_LINE);
    assertThat(r.err).contains(ProgressPrinter.ERASE_LINE + "[").endsWith(ProgressPrinter.ERASE_LINE);
    // What is left on the screen once each \r-erase is applied: the finished steps as lines.
    List<String> screen = List.of(r.err.split("\n")).stream().map(l -> {
      int i = l.lastIndexOf(ProgressPrinter.ERASE_LINE);
      return i < 0 ? l : l.substring(i + ProgressPrinter.ERASE_LINE.length());
    }).filter(l -> !l.isEmpty()).toList();
    assertThat(screen).anyMatch(l -> l.matches("\\[ *\\d+\\.\\d\\ds\\] resolved 2 packages for x86_64: .*"));
    assertThat(screen).anyMatch(l -> l.matches("\\[ *\\d+\\.\\d\\ds\\] wrote .*out\\.tar \\(.*"));
  }

  @Test
  void quietTtyShowsNoStatusLineOnlyWarnings() {
    Result r = build("--progress", "tty", "-q");
    assertThat(r.code).as(r.err).isZero();
    assertThat(r.out).matches(DIGEST_LINE);
    assertThat(r.err).doesNotContain("\r", "\u001b");
    assertThat(r.err.lines()).allMatch(l -> l.matches("\\[ *\\d+\\.\\d\\ds\\] apkimg: warning: .*"));
  }

  @Test
  void anUnknownModeIsAUsageError() {
    Result r = build("--progress", "bogus");
    assertThat(r.code).isEqualTo(2);
    assertThat(r.out).isEmpty();
    assertThat(r.err).contains("--progress must be auto, tty, plain or json, not 'bogus'");
    assertThat(Files.exists(tmp.resolve("out.tar"))).isFalse();
  }

  private Result build(String... extra) {
    List<String> args = new ArrayList<>(List.of("build", profile.toString(), "-o", tmp.resolve("out.tar").toString(),
        "--cache-dir", tmp.resolve("cache").toString()));
    args.addAll(List.of(extra));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }

  record Result(int code, String out, String err) {}
}
