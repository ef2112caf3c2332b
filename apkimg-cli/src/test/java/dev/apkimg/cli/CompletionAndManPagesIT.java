package dev.apkimg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.testing.Prerequisites;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * What the build makes besides the jar: the completion script (target/completion/apkimg.bash, the
 * same as {@code apkimg generate-completion}) loads and completes in bash and in zsh, and every
 * man page (target/man) renders with {@code man} and names the command's options.
 */
class CompletionAndManPagesIT {
  private static final Path JAR = Path.of("target", "apkimg.jar").toAbsolutePath();
  private static final Path SCRIPT = Path.of("target", "completion", "apkimg.bash").toAbsolutePath();
  private static final Path MAN = Path.of("target", "man").toAbsolutePath();

  @TempDir Path tmp;

  @Test
  void generateCompletionPrintsTheScriptTheBuildWrote() throws Exception {
    Prerequisites.require(Files.isRegularFile(JAR), JAR + " (run after package)");
    Processes.Output generated = Processes.exec(tmp, java(), "-jar", JAR.toString(), "generate-completion");
    assertThat(generated.code()).as(generated.toString()).isZero();
    assertThat(generated.out().strip()).isEqualTo(Files.readString(SCRIPT).strip());
  }

  @Test
  void theScriptLoadsAndCompletesInBash() throws Exception {
    Path bash = Prerequisites.requireCommand("bash");
    Path test = Files.writeString(tmp.resolve("complete.bash"), """
        source <("$1" -jar "$2" generate-completion) || exit 9
        complete -p apkimg
        COMP_WORDS=(apkimg bu); COMP_CWORD=1; COMP_LINE="apkimg bu"; COMP_POINT=${#COMP_LINE}
        _complete_apkimg; printf 'reply:%s\\n' "${COMPREPLY[@]}"
        COMP_WORDS=(apkimg build --for); COMP_CWORD=2; COMP_LINE="apkimg build --for"; COMP_POINT=${#COMP_LINE}
        _complete_apkimg 2>/dev/null; printf 'reply:%s\\n' "${COMPREPLY[@]}"
        """);
    Prerequisites.require(Files.isRegularFile(JAR), JAR + " (run after package)");
    Processes.Output out = Processes.exec(tmp, bash.toString(), test.toString(), java(), JAR.toString());
    assertThat(out.code()).as(out.toString()).isZero();
    assertThat(out.err()).as(out.toString()).isEmpty();
    assertThat(out.out().lines().toList()).as(out.toString())
        .containsExactly("complete -o default -F _complete_apkimg apkimg", "reply:build", "reply:--format");
  }

  @Test
  void theScriptLoadsInZshThroughBashcompinit() throws Exception {
    // .ci/run installs zsh.
    Path zsh = Prerequisites.requireCommand("zsh");
    Path test = Files.writeString(tmp.resolve("complete.zsh"), """
        autoload -U +X compinit && compinit -u -d "$2"
        autoload -U +X bashcompinit && bashcompinit
        source "$1" || exit 9
        print -r -- "comps:${_comps[apkimg]}"
        setopt ksharrays
        COMP_WORDS=(apkimg ''); COMP_CWORD=1; COMP_LINE="apkimg "; COMP_POINT=${#COMP_LINE}
        _complete_apkimg; printf 'reply:%s\\n' "${COMPREPLY[@]}"
        """);
    Processes.Output out = Processes.exec(tmp, zsh.toString(), "-f", test.toString(), SCRIPT.toString(),
        tmp.resolve("zcompdump").toString());
    assertThat(out.code()).as(out.toString()).isZero();
    assertThat(out.err()).as(out.toString()).isEmpty();
    List<String> lines = out.out().lines().toList();
    assertThat(lines).as(out.toString()).startsWith("comps:_bash_complete -F _complete_apkimg -o default");
    assertThat(lines).as(out.toString()).contains("reply:build", "reply:resolve", "reply:lock", "reply:sbom",
        "reply:show-config", "reply:schema", "reply:generate-completion");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "build", "resolve", "lock", "sbom", "show-config", "schema", "generate-completion"})
  void everyManPageRendersWithItsOptions(String command) throws Exception {
    Path man = Prerequisites.requireCommand("man");
    Path col = Prerequisites.requireCommand("col");
    String page = command.isEmpty() ? "apkimg" : "apkimg-" + command;
    Path file = MAN.resolve(page + ".1");
    Prerequisites.require(Files.isRegularFile(file), file + " (run after package)");
    Path rendered = tmp.resolve(page + ".txt");
    Processes.Output out = Processes.exec(tmp, "sh", "-c",
        "LC_ALL=C.UTF-8 MANWIDTH=100 \"$1\" --warnings -l \"$2\" | \"$3\" -b > \"$4\"",
        "sh", man.toString(), file.toString(), col.toString(), rendered.toString());
    assertThat(out.code()).as(out.toString()).isZero();
    assertThat(out.err()).as("troff warnings; " + out).isEmpty();
    String text = Files.readString(rendered);

    CommandLine model = Main.commandLine(Map.of("NO_COLOR", "1"));
    CommandLine cl = command.isEmpty() ? model : model.getSubcommands().get(command);
    List<String> expected = new ArrayList<>(List.of("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", page + " - "));
    for (OptionSpec option : cl.getCommandSpec().options()) {
      if (!option.hidden()) {
        expected.add(option.longestName());
      }
    }
    if (command.isEmpty()) {
      expected.addAll(List.of("COMMANDS", "apkimg-build(1)", "generate-completion"));
    }
    if (!command.equals("generate-completion")) { // picocli's own command has no footer
      expected.addAll(List.of("Examples:", "Exit codes: 0 success"));
    }
    assertThat(text).as(text).contains(expected);
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
