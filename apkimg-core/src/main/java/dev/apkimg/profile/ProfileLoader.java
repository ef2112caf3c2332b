package dev.apkimg.profile;

import java.nio.file.Path;
import java.util.List;

/**
 * Reads and validates a YAML image profile; every error names the file, line and column.
 *
 * <p>The steps have rooms of their own: {@link ProfileText} reads the file (bounded),
 * {@link YamlScan} checks the YAML as written, {@link ProfileBinder} binds it and words Jackson's
 * errors, {@link ProfileIncludes} merges includes, {@link FilesConfinement} keeps file sources in
 * their folders, {@link ProfileValidator} and {@link AccountsValidator} check the result.
 */
public final class ProfileLoader {
  /** apko's path mutation types. */
  public static final List<String> PATH_TYPES = List.of("directory", "empty-file", "hardlink", "symlink", "permissions");

  /** apk architecture names apkimg knows. */
  public static final List<String> ARCHS = dev.apkimg.Arch.NAMES;

  /**
   * The largest profile: 1 MiB, far more than any real one. It bounds what a hostile file (or
   * /dev/zero named as a profile) can make apkimg read and parse.
   */
  public static final int MAX_PROFILE_BYTES = 1 << 20;

  /**
   * The most profile files one load reads, an include read again counted again: a file that
   * includes two that each include two more ... would otherwise read 2^depth files.
   */
  public static final int MAX_PROFILE_READS = 100;

  private ProfileLoader() {}

  /**
   * Loads a profile and the profiles it includes (depth first, each include before the includer:
   * scalars of the includer win, lists are appended, maps merged).
   */
  public static ImageProfile load(Path file) {
    return load(file, List.of());
  }

  /**
   * As {@link #load(Path)}; {@code files[].source} must lie in the folder of the profile that
   * names it (symlinks resolved, as docker keeps COPY inside its build context) or in one of
   * {@code filesRoots}, folders the user allowed explicitly.
   */
  public static ImageProfile load(Path file, List<Path> filesRoots) {
    return load(file, filesRoots, Path.of(""));
  }

  /** As {@link #load(Path, List)}, includes looked up first from {@code workingDir} (as apko does). */
  static ImageProfile load(Path file, List<Path> filesRoots, Path workingDir) {
    List<Path> roots = FilesConfinement.realRoots(filesRoots);
    ProfileIncludes.Loaded loaded = ProfileIncludes.load(file, roots, workingDir);
    ImageProfile profile = loaded.ownIncludes() == 0 ? loaded.profile() : ProfileBinder.bindMerged(file, loaded.tree());
    ProfileValidator.validate(file, profile, loaded.origins());
    return profile;
  }

  /** Splits a command line into words: whitespace separates, single and double quotes group. */
  public static List<String> splitWords(String command) {
    return dev.apkimg.ShellWords.split(command, true);
  }
}
