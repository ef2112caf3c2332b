package dev.apkimg.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apkimg.ApkimgException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code [@TAG] LOCATION}, parsed in one place for profiles, the CLI and the Maven plugin. */
class RepositorySpecTest {
  @Test
  void aTagIsSeparatedByAnyWhitespace() {
    assertThat(RepositorySpec.parse("https://m/alpine/main")).isEqualTo(new RepositorySpec(null, "https://m/alpine/main"));
    assertThat(RepositorySpec.parse("@edge https://m/edge/main")).isEqualTo(new RepositorySpec("edge", "https://m/edge/main"));
    assertThat(RepositorySpec.parse(" @edge\t ../edge ")).isEqualTo(new RepositorySpec("edge", "../edge"));
    assertThat(RepositorySpec.parse("@edge\t../edge")).hasToString("@edge ../edge");
  }

  @Test
  void aTagWithoutALocationIsRefused() {
    assertThatThrownBy(() -> RepositorySpec.parse("@edge")).isInstanceOf(ApkimgException.class)
        .hasMessage("repository '@edge': a tagged repository is written '@tag URL'");
    assertThatThrownBy(() -> RepositorySpec.parse("@ https://m")).isInstanceOf(ApkimgException.class);
  }

  @Test
  void pathsMoveUrlsStay() {
    Path dir = Path.of("/project");
    assertThat(RepositorySpec.parse("@local\trepo").relativeTo(dir)).hasToString("@local /project/repo");
    assertThat(RepositorySpec.parse("https://m/main").relativeTo(dir)).hasToString("https://m/main");
    assertThat(RepositorySpec.parse("file:///srv/main").relativeTo(dir)).hasToString("file:///srv/main");
    // the same parser behind Repository.parse: a tab separates the tag there too
    assertThat(Repository.parse("@edge\thttps://m/edge", null).tag()).isEqualTo("edge");
  }
}
