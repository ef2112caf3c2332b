package dev.apkimg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** apk's architecture names and OCI's platforms, mapped in one place. */
class ArchTest {
  @ParameterizedTest
  @CsvSource({
      "x86_64, x86_64, linux/amd64", "amd64, x86_64, linux/amd64", "linux/amd64, x86_64, linux/amd64",
      "aarch64, aarch64, linux/arm64", "arm64/v8, aarch64, linux/arm64", "linux/arm64, aarch64, linux/arm64",
      "armv7, armv7, linux/arm/v7", "linux/arm/v7, armv7, linux/arm/v7", "armhf, armhf, linux/arm/v6",
      "386, x86, linux/386", "loong64, loongarch64, linux/loong64", "s390x, s390x, linux/s390x"})
  void apkNamesAndPlatformsMapBothWays(String given, String apk, String platform) {
    Arch arch = Arch.of(given);
    assertThat(arch.apkName()).isEqualTo(apk);
    assertThat(arch.platform()).isEqualTo(platform);
    assertThat(Arch.apkName(given)).isEqualTo(apk);
  }

  @Test
  void anUnknownNameIsRefusedListingTheKnownOnes() {
    assertThatThrownBy(() -> Arch.of("linux/mips")).isInstanceOf(ApkimgException.class)
        .hasMessage("unknown architecture 'mips' (known: x86_64, aarch64, armv7, armhf, x86, ppc64le, s390x, riscv64,"
            + " loongarch64)");
    assertThat(Arch.apkName("mips")).isEqualTo("mips");
  }

  @Test
  void theHostIsFoundUnderTheJvmsNames() {
    assertThat(Arch.hostOf("amd64")).map(Arch::apkName).hasValue("x86_64");
    assertThat(Arch.hostOf("aarch64")).map(Arch::apkName).hasValue("aarch64");
    assertThat(Arch.hostOf("sparc")).isEmpty();
  }
}
