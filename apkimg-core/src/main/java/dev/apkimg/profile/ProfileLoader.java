package dev.apkimg.profile;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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
    return load(file, filesRoots, workingDir, new LinkedHashMap<>());
  }

  private static ImageProfile load(Path file, List<Path> filesRoots, Path workingDir, Map<Path, String> read) {
    List<Path> roots = FilesConfinement.realRoots(filesRoots);
    ProfileIncludes.Loaded loaded = ProfileIncludes.load(file, roots, workingDir, read);
    ImageProfile profile = loaded.ownIncludes() == 0 ? loaded.profile() : ProfileBinder.bindMerged(file, loaded.tree());
    ProfileValidator.validate(file, profile, loaded.origins());
    return profile;
  }

  /**
   * One profile file an include read: its path relative to the top profile's folder ({@code /}
   * separated; {@code ../} where it lies elsewhere) and the SHA-256 (hex) of its bytes as read.
   */
  public record IncludedFile(String path, String sha256) {}

  /** A profile as {@link #load(Path, List)} loads it, and the files its includes read (sorted by path). */
  public record Loaded(ImageProfile profile, List<IncludedFile> includes) {
    public Loaded {
      includes = List.copyOf(includes);
    }
  }

  /**
   * As {@link #load(Path, List)}, and which files the includes read, each once (an include read twice
   * is one file), for a verifier to check each input: no absolute path, no time, so the same files
   * give the same list on any machine.
   */
  public static Loaded loadWithIncludes(Path file, List<Path> filesRoots) {
    Map<Path, String> read = new LinkedHashMap<>();
    ImageProfile profile = load(file, filesRoots, Path.of(""), read);
    Path top = file.toAbsolutePath().normalize();
    Path dir = top.getParent();
    TreeMap<String, String> includes = new TreeMap<>();
    read.forEach((path, sha256) -> {
      if (!path.equals(top)) {
        includes.put(relative(dir, path), sha256);
      }
    });
    List<IncludedFile> list = new ArrayList<>();
    includes.forEach((path, sha256) -> list.add(new IncludedFile(path, sha256)));
    return new Loaded(profile, list);
  }

  private static String relative(Path dir, Path file) {
    Path rel;
    try {
      rel = dir.relativize(file);
    } catch (IllegalArgumentException e) {
      rel = file.getFileName(); // another root (a Windows drive): the name is all that is not the machine's
    }
    List<String> parts = new ArrayList<>();
    rel.forEach(part -> parts.add(part.toString()));
    return String.join("/", parts);
  }

  /** Splits a command line into words: whitespace separates, single and double quotes group. */
  public static List<String> splitWords(String command) {
    return dev.apkimg.ShellWords.split(command, true);
  }
}
