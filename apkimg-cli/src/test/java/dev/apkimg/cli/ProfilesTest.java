package dev.apkimg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.profile.ImageProfile;
import dev.apkimg.profile.ProfileLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every example profile in the repository's profiles/ folder loads and validates. */
class ProfilesTest {
  /** Maven runs the tests in the module directory; the profiles are beside the modules. */
  static final Path PROFILES = Path.of("..", "profiles").toAbsolutePath().normalize();

  static List<Path> profiles() throws IOException {
    try (Stream<Path> s = Files.list(PROFILES)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".yaml")).sorted().toList();
    }
  }

  @Test
  void everyProfileLoads() throws IOException {
    List<Path> profiles = profiles();
    assertThat(profiles).extracting(p -> p.getFileName().toString()).contains("alpine-base.yaml");
    for (Path p : profiles) {
      ImageProfile profile = ProfileLoader.load(p); // throws, naming file:line:column, if invalid
      assertThat(profile.contents().packages()).as(p.toString()).isNotEmpty();
      assertThat(profile.contents().repositories()).as(p.toString()).isNotEmpty();
    }
  }
}
