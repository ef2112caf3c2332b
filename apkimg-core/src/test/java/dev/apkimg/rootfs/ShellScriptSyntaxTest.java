package dev.apkimg.rootfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How apkimg reads an install script's line without a shell: what it splits into commands, and
 * what it refuses to guess at (a refused line is reported as not carried out).
 */
class ShellScriptSyntaxTest {
  @Test
  void listsSplitAtSemicolonsAndAndOrOutsideQuotes() throws Exception {
    List<String> operators = new ArrayList<>();
    List<List<String>> commands = ShellScriptSyntax.commandList(
        "addgroup -S app && adduser -S -G app 'a;b' || true; mkdir -p /x;", operators);
    assertThat(commands).containsExactly(List.of("addgroup", "-S", "app"), List.of("adduser", "-S", "-G", "app", "a;b"),
        List.of("true"), List.of("mkdir", "-p", "/x"));
    assertThat(operators).containsExactly("&&", "||", ";");
  }

  @Test
  void redirectionsToDevNullAreDroppedAndBusyboxPrefixesUnwrapped() throws Exception {
    List<List<String>> commands = ShellScriptSyntax.commandList("/bin/busybox adduser -S x 2>/dev/null >&2",
        new ArrayList<>());
    assertThat(commands).containsExactly(List.of("/bin/busybox", "adduser", "-S", "x"));
    assertThat(ShellScriptSyntax.unwrap(commands.get(0))).containsExactly("adduser", "-S", "x");
    assertThat(ShellScriptSyntax.unwrap(List.of("/usr/sbin/addgroup", "g"))).containsExactly("addgroup", "g");
  }

  @Test
  void whatNeedsAShellOrAnUnknownCommandIsUnsupported() {
    for (String line : List.of("echo $HOME", "cat /etc/passwd | grep root", "rm -rf /tmp/x", "chmod 644 *.conf",
        "adduser x > /tmp/log", "true &", "sh -c 'x'", "&& true", "adduser 'unterminated")) {
      assertThatThrownBy(() -> ShellScriptSyntax.commandList(line, new ArrayList<>())).as(line)
          .isInstanceOf(ShellScriptSyntax.Unsupported.class);
    }
  }

  @Test
  void blocksFunctionsAndHereDocumentsAreRecognised() {
    assertThat(ShellScriptSyntax.blocksOpened("if [ -e /x ]; then")).isEqualTo(1);
    assertThat(ShellScriptSyntax.blocksOpened("for f in a b; do")).isEqualTo(1);
    assertThat(ShellScriptSyntax.blocksOpened("fi")).isEqualTo(-1);
    assertThat(ShellScriptSyntax.blocksOpened("if true; then :; fi")).isZero();
    assertThat(ShellScriptSyntax.isFunction("setup() {")).isTrue();
    assertThat(ShellScriptSyntax.isFunction("mkdir -p /x")).isFalse();
    assertThat(ShellScriptSyntax.heredocEnd("cat > /etc/x <<-'EOF'")).isEqualTo("EOF");
    assertThat(ShellScriptSyntax.heredocEnd("adduser x")).isNull();
  }

  @Test
  void continuationLinesAreJoined() {
    assertThat(ShellScriptSyntax.logicalLines("adduser -S \\\n  -G app x\nmkdir /y")).containsExactly(
        "adduser -S    -G app x", "mkdir /y");
  }

  @Test
  void optionsAreReadAsGetoptDoes() throws Exception {
    ShellScriptSyntax.Options o = ShellScriptSyntax.Options.parse(List.of("-SDh/home/x", "--shell=/bin/ash", "-u", "7",
        "--", "-name"), "hsu", "SD", java.util.Set.of("--shell=s"));
    assertThat(o.has('S')).isTrue();
    assertThat(o.has('D')).isTrue();
    assertThat(o.value('h')).isEqualTo("/home/x");
    assertThat(o.value('s')).isEqualTo("/bin/ash");
    assertThat(o.value('u')).isEqualTo("7");
    assertThat(o.operands).containsExactly("-name");
    assertThatThrownBy(() -> ShellScriptSyntax.Options.parse(List.of("-q"), "", "S", java.util.Set.of()))
        .isInstanceOf(ShellScriptSyntax.Unsupported.class);
    assertThatThrownBy(() -> ShellScriptSyntax.Options.parse(List.of("--home=/x"), "h", "", java.util.Set.of()))
        .isInstanceOf(ShellScriptSyntax.Unsupported.class);
  }
}
