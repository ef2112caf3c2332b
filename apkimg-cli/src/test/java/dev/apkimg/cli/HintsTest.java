package dev.apkimg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.Hint;
import dev.apkimg.api.BuildEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The core's hints become this command's flags; every hint has its words here. */
class HintsTest {
  @ParameterizedTest
  @EnumSource(value = Hint.class, names = {"OTHER_REPOSITORY", "CONNECT_TIMEOUT", "READ_TIMEOUT"},
      mode = EnumSource.Mode.EXCLUDE)
  void eachHintOfASettingNamesAFlagOfThisCommand(Hint hint) {
    assertThat(Hints.errorSuffix(hint, "p.yaml")).containsPattern("[ (]-[a-zA-Z-]");
  }

  @Test
  void theHintsRenderAsTheFlagsTheyStandFor() {
    assertThat(Hints.errorSuffix(Hint.ALLOW_INSECURE_REGISTRY, null)).isEqualTo(" (--allow-insecure-registry)");
    assertThat(Hints.errorSuffix(Hint.FILES_ROOT, null)).isEqualTo(" (apkimg --files-root DIR)");
    assertThat(Hints.errorSuffix(Hint.REFRESH_LOCKFILE, "app.yaml"))
        .isEqualTo("; run 'apkimg lock app.yaml' to refresh it, or build with --no-lockfile");
    assertThat(Hints.errorSuffix(null, null)).isEmpty();
    assertThat(Hints.line(new BuildEvent.Warning("index u is not signed; accepted", Hint.ALLOW_UNTRUSTED)))
        .isEqualTo("index u is not signed; accepted because of --allow-untrusted");
    assertThat(Hints.line(new BuildEvent.ScriptLinesSkipped("docker-1-r0", 1, 0)))
        .isEqualTo("docker-1-r0: 1 install-script line not carried out; --verbose lists them");
  }
}
