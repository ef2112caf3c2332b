package dev.apkimg.profile;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --vcs reads a git checkout's origin and commit from its files, worktrees and packed refs too. */
class GitCheckoutTest {
  private static final String COMMIT = "89abcdef0123456789abcdef0123456789abcdef";

  @TempDir Path tmp;

  private Path write(String name, String text) throws IOException {
    Path p = tmp.resolve(name);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
    return p;
  }

  @Test
  void aWorktreeWithPackedRefsAndAnScpLikeOrigin() throws IOException {
    // the main checkout's git folder holds config and refs; the worktree's holds its HEAD
    write("main/.git/config", "[remote \"origin\"]\n  url = git@github.com:example/images.git\n");
    write("main/.git/packed-refs", "# pack-refs with: peeled fully-peeled sorted\n" + COMMIT + " refs/heads/w\n");
    write("main/.git/worktrees/w/HEAD", "ref: refs/heads/w\n");
    write("main/.git/worktrees/w/commondir", "../..\n");
    write("wt/.git", "gitdir: ../main/.git/worktrees/w\n");
    Path profile = write("wt/profiles/p.yaml", "x");

    assertThat(GitCheckout.probe(profile).vcsUrl()).isEqualTo("git+ssh://github.com/example/images.git@" + COMMIT);
  }

  @Test
  void aDetachedHeadAndNoOriginSayWhy() throws IOException {
    write("c/.git/HEAD", COMMIT + "\n");
    write("c/.git/config", "[core]\n");
    Path profile = write("c/p.yaml", "x");

    GitCheckout.Probe probe = GitCheckout.probe(profile);
    assertThat(probe.vcsUrl()).isNull();
    assertThat(probe.problem()).isEqualTo("the git checkout at " + tmp.resolve("c") + " has no remote 'origin'");
  }

  @Test
  void credentialsNeverLeaveTheRemoteUrl() {
    assertThat(GitCheckout.withoutCredentials("https://ci:token@git.example.com:8443/a/b.git"))
        .isEqualTo("https://git.example.com:8443/a/b.git");
    assertThat(GitCheckout.withoutCredentials("ssh://git@host/a/b")).isEqualTo("ssh://host/a/b");
    assertThat(GitCheckout.withoutCredentials("deploy@host:a/b")).isEqualTo("git+ssh://host/a/b");
  }
}
