package dev.apkimg.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apkimg.ApkimgException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** SOURCE_DATE_EPOCH becomes the image's creation time, which Go tools parse with four-digit years. */
class BuildRequestTest {
  private static BuildRequest.Builder request() {
    return BuildRequest.builder(Path.of("p.yaml"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"253402300800", "99999999999999999999", "-1", "1e9", "0x10"})
  void anEpochOutsideYears1970To9999IsOneLineNamingTheFlagAndTheRange(String value) {
    assertThatThrownBy(() -> request().sourceDateEpoch(value, "--source-date-epoch"))
        .isInstanceOf(ApkimgException.class)
        .hasMessage("--source-date-epoch must be seconds since 1970 from 0 to 253402300799 (9999-12-31T23:59:59Z), not '"
            + value + "'");
  }

  @Test
  void theBoundsThemselvesAreAcceptedAndBlankIsTheDefault() {
    assertThat(request().sourceDateEpoch("253402300799", "SOURCE_DATE_EPOCH").build().sourceDateEpoch()).hasValue(253402300799L);
    assertThat(request().sourceDateEpoch(" 0 ", "SOURCE_DATE_EPOCH").build().sourceDateEpoch()).hasValue(0L);
    assertThat(request().sourceDateEpoch("  ", "SOURCE_DATE_EPOCH").build().sourceDateEpoch()).isEmpty();
    assertThat(java.time.Instant.ofEpochSecond(BuildRequest.MAX_SOURCE_DATE_EPOCH)).hasToString("9999-12-31T23:59:59Z");
    assertThatThrownBy(() -> request().sourceDateEpoch(Long.MAX_VALUE)).isInstanceOf(ApkimgException.class)
        .hasMessageStartingWith("the source date epoch must be seconds since 1970 from 0 to 253402300799");
  }
}
