package dev.apkimg.repo;

import dev.apkimg.ApkimgException;
import java.nio.file.Path;

/**
 * A repository as written in a profile, on a command line or in a POM: {@code LOCATION} or, as
 * in {@code /etc/apk/repositories}, {@code @TAG LOCATION} (any whitespace between). The one
 * parser of that syntax; {@link Repository#parse} makes a repository of it.
 *
 * @param tag the tag without its {@code @}, or null
 * @param location a URL ({@code https://}, {@code http://}, {@code file:}) or a path
 */
public record RepositorySpec(String tag, String location) {
  /** Splits {@code spec}; an {@code @} without a tag or a location is an error naming the spec. */
  public static RepositorySpec parse(String spec) {
    String s = spec.strip();
    if (!s.startsWith("@")) {
      return new RepositorySpec(null, s);
    }
    int space = 1;
    while (space < s.length() && !Character.isWhitespace(s.charAt(space))) {
      space++;
    }
    String tag = s.substring(1, space);
    String location = s.substring(space).strip();
    if (tag.isEmpty() || location.isEmpty()) {
      throw new ApkimgException("repository '" + Credentials.redact(spec) + "': a tagged repository is written '@tag URL'");
    }
    return new RepositorySpec(tag, location);
  }

  /** Whether the location is a path (relative paths are relative to the file or project naming it). */
  public boolean isPath() {
    return !location.contains("://") && !location.startsWith("file:");
  }

  /** A path location resolved against {@code dir} (a URL or an absolute path stays). */
  public RepositorySpec relativeTo(Path dir) {
    return isPath() && !location.isEmpty() ? new RepositorySpec(tag, dir.resolve(location).normalize().toString()) : this;
  }

  /** As written: {@code @TAG LOCATION} or {@code LOCATION}. */
  @Override
  public String toString() {
    return tag == null ? location : "@" + tag + " " + location;
  }
}
