package dev.apkimg.profile;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * apko's {@code --vcs}: the git checkout a profile lives in, read from its files (no git
 * program): the {@code origin} remote's URL without credentials, and the commit checked out, as
 * apko's {@code vcs-url} {@code URL@COMMIT}. Worktrees ({@code .git} a file naming the git folder)
 * and packed refs are read too; every file read is bounded.
 */
public final class GitCheckout {
  private static final int MAX_FILE = 1 << 20;
  private static final Pattern HASH = Pattern.compile("[0-9a-f]{40}([0-9a-f]{24})?");

  /** The vcs-url, or why there is none. */
  public record Probe(String vcsUrl, String problem) {}

  private GitCheckout() {}

  /** The checkout holding {@code file}'s folder (searched upwards), as {@code URL@COMMIT}. */
  public static Probe probe(Path file) {
    Path dir = file.toAbsolutePath().normalize().getParent();
    for (Path d = dir; d != null; d = d.getParent()) {
      Path dotGit = d.resolve(".git");
      if (Files.exists(dotGit)) {
        try {
          return read(dotGit);
        } catch (IOException e) {
          return new Probe(null, "cannot read the git checkout at " + d + ": " + e.getMessage());
        }
      }
    }
    return new Probe(null, "no git checkout holds " + dir);
  }

  private static Probe read(Path dotGit) throws IOException {
    Path gitDir = dotGit;
    if (Files.isRegularFile(dotGit)) { // a worktree or submodule: "gitdir: PATH"
      String line = text(dotGit).strip();
      if (!line.startsWith("gitdir:")) {
        return new Probe(null, dotGit + " is neither a git folder nor names one");
      }
      gitDir = dotGit.getParent().resolve(line.substring("gitdir:".length()).strip()).normalize();
    }
    Path common = gitDir;
    if (Files.isRegularFile(gitDir.resolve("commondir"))) {
      common = gitDir.resolve(text(gitDir.resolve("commondir")).strip()).normalize();
    }
    String head = text(gitDir.resolve("HEAD")).strip();
    String commit = head;
    if (head.startsWith("ref:")) {
      commit = ref(common, head.substring("ref:".length()).strip());
      if (commit == null) {
        return new Probe(null, "the git checkout's branch " + head.substring(4).strip() + " has no commit yet");
      }
    }
    if (!HASH.matcher(commit).matches()) {
      return new Probe(null, "the git checkout's HEAD is not a commit");
    }
    String origin = originUrl(common.resolve("config"));
    if (origin == null) {
      return new Probe(null, "the git checkout at " + dotGit.getParent() + " has no remote 'origin'");
    }
    return new Probe(withoutCredentials(origin) + "@" + commit, null);
  }

  private static String ref(Path common, String name) throws IOException {
    if (!name.matches("refs/[A-Za-z0-9._/-]+") || name.contains("..")) {
      return null;
    }
    Path loose = common.resolve(name);
    if (Files.isRegularFile(loose)) {
      return text(loose).strip();
    }
    Path packed = common.resolve("packed-refs");
    if (Files.isRegularFile(packed)) {
      for (String line : text(packed).split("\n")) {
        String[] parts = line.strip().split(" ", 2);
        if (parts.length == 2 && parts[1].equals(name)) {
          return parts[0];
        }
      }
    }
    return null;
  }

  /** {@code url} of {@code [remote "origin"]} in a git config file. */
  private static String originUrl(Path config) throws IOException {
    if (!Files.isRegularFile(config)) {
      return null;
    }
    boolean inOrigin = false;
    Pattern section = Pattern.compile("\\s*\\[\\s*([^\\]\\s]+)(?:\\s+\"([^\"]*)\")?\\s*\\].*");
    for (String line : text(config).split("\n")) {
      Matcher m = section.matcher(line);
      if (m.matches()) {
        inOrigin = m.group(1).equalsIgnoreCase("remote") && "origin".equals(m.group(2));
        continue;
      }
      String l = line.strip();
      if (inOrigin && l.matches("(?i)url\\s*=.*")) {
        return l.substring(l.indexOf('=') + 1).strip();
      }
    }
    return null;
  }

  /**
   * The remote's URL without user or password (a token in an https URL must not reach an
   * image); {@code git@host:org/repo} as apko writes it, {@code git+ssh://host/org/repo}.
   */
  static String withoutCredentials(String url) {
    try {
      URI u = new URI(url);
      if (u.getScheme() != null && u.getHost() != null) {
        return new URI(u.getScheme(), null, u.getHost(), u.getPort(), u.getPath(), u.getQuery(), null).toString();
      }
    } catch (URISyntaxException e) {
      // scp-like: user@host:path
    }
    Matcher scp = Pattern.compile("(?:[^@/]+@)?([^:/]+):(.+)").matcher(url);
    if (scp.matches()) {
      return "git+ssh://" + scp.group(1) + "/" + scp.group(2);
    }
    return url;
  }

  private static String text(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] bytes = in.readNBytes(MAX_FILE + 1);
      if (bytes.length > MAX_FILE) {
        throw new IOException(file + " is bigger than " + MAX_FILE + " bytes");
      }
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }

  /** Present for callers that only want the URL. */
  public static Optional<String> vcsUrl(Path file) {
    return Optional.ofNullable(probe(file).vcsUrl());
  }
}
