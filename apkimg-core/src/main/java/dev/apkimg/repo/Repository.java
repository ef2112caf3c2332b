package dev.apkimg.repo;

import dev.apkimg.ApkimgException;
import java.net.URI;
import java.nio.file.Path;

/**
 * An apk repository: a base URL under which {@code ARCH/APKINDEX.tar.gz} and
 * {@code ARCH/NAME-VERSION.apk} live, as on an Alpine mirror. {@code spec} is what the user wrote
 * (recorded in {@code etc/apk/repositories}, {@code @tag} included); {@code base} is where it is
 * read from; {@code tag} is null for an ordinary repository. As in apk, a tagged repository
 * ({@code @edge URL}) serves only atoms that name its tag ({@code pkg@edge}) and their dependencies.
 * A user and password in the URL are taken out of {@code spec} and {@code base} (so nothing that
 * prints or records them can leak them) and kept in {@code credentials}, null when there are none.
 */
public record Repository(String spec, URI base, String tag, Credentials credentials) {

  public Repository(String spec, URI base) {
    this(spec, base, null, null);
  }

  public Repository(String spec, URI base, String tag) {
    this(spec, base, tag, null);
  }

  /** This repository, read with {@code credentials} (null: none). */
  public Repository withCredentials(Credentials credentials) {
    return new Repository(spec, base, tag, credentials);
  }

  /**
   * Parses a repository as written in a profile or on the command line: {@code https://...},
   * {@code http://...}, {@code file://...}, an absolute path, or a path relative to
   * {@code relativeTo} (the profile's folder).
   */
  public static Repository parse(String spec, Path relativeTo) {
    RepositorySpec parsed = RepositorySpec.parse(spec);
    String tag = parsed.tag();
    String s = parsed.location();
    while (s.length() > 1 && s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    URI base;
    Credentials credentials = null;
    if (s.startsWith("http://") || s.startsWith("https://") || s.startsWith("file:")) {
      String shown = Credentials.redact(spec.strip());
      try {
        base = URI.create(s + "/");
      } catch (IllegalArgumentException e) {
        throw new ApkimgException("repository '" + shown + "' is not a valid URL: " + Credentials.redact(e.getMessage()));
      }
      if (!s.startsWith("file:") && base.getHost() == null) {
        throw new ApkimgException("repository '" + shown + "' is not a valid URL: it names no host"
            + (base.getRawAuthority() != null && base.getRawAuthority().indexOf('@') >= 0
                ? " (write '@' in a user name or password as %40)" : ""));
      }
      credentials = Credentials.of(base);
      base = Credentials.strip(base);
      s = Credentials.redact(s);
    } else if (s.contains("://")) {
      throw new ApkimgException("repository '" + Credentials.redact(spec) + "': only http://, https://, file:// and paths are supported");
    } else {
      Path p = relativeTo == null ? Path.of(s) : relativeTo.resolve(s);
      base = p.toAbsolutePath().normalize().toUri();
      if (!base.toString().endsWith("/")) {
        base = URI.create(base + "/");
      }
    }
    return new Repository(tag == null ? s : "@" + tag + " " + s, base, tag, credentials);
  }

  public URI indexUri(String arch) {
    return base.resolve(arch + "/APKINDEX.tar.gz");
  }

  public URI packageUri(String arch, String fileName) {
    return base.resolve(arch + "/" + fileName);
  }

  @Override
  public String toString() {
    return spec;
  }
}
