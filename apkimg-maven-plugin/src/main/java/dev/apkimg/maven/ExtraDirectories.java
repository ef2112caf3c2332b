package dev.apkimg.maven;

import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import dev.apkimg.ApkimgException;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code <extraDirectories>} read and checked: which folders go where in the image, and the mode
 * of each file and folder there (jib's defaults: 644 for files, 755 for folders).
 */
final class ExtraDirectories {
  static final FilePermissions FILE_DEFAULT = FilePermissions.fromOctalString("644");
  static final FilePermissions DIRECTORY_DEFAULT = FilePermissions.fromOctalString("755");
  private static final Pattern MODE = Pattern.compile("[0-7]{3}");

  /** One folder on disk and the absolute path in the image it is copied into. */
  record Directory(Path from, String into) {}

  /** One {@code <permission>}: a glob over paths in the image, and the mode it gives. */
  record Rule(String glob, PathMatcher matcher, FilePermissions mode) {}

  private final List<Directory> directories;
  private final List<Rule> rules;

  private ExtraDirectories(List<Directory> directories, List<Rule> rules) {
    this.directories = List.copyOf(directories);
    this.rules = List.copyOf(rules);
  }

  /**
   * @param basedir the project folder, against which relative folders are resolved
   */
  static ExtraDirectories read(ExtraDirectoriesConfiguration c, ConfigValues v, Path basedir) {
    ExtraDirectoriesConfiguration config = c == null ? new ExtraDirectoriesConfiguration() : c;
    List<Directory> directories = new ArrayList<>();
    List<String> fromProperty = v.list("apkimg.extraDirectories.paths", null);
    if (v.isSet("apkimg.extraDirectories.paths")) {
      fromProperty.forEach(from -> directories.add(directory(basedir, from, "/")));
    } else if (!config.paths.isEmpty()) {
      for (ExtraDirectoriesConfiguration.ExtraDirectory path : config.paths) {
        if (path == null || path.from == null) {
          throw new ApkimgException("<extraDirectories><paths><path> needs <from>, the folder to copy");
        }
        directories.add(directory(basedir, path.from.getPath(), path.into));
      }
    } else {
      Path conventional = basedir.resolve("src/main/jib");
      if (Files.isDirectory(conventional)) {
        directories.add(new Directory(conventional, "/"));
      }
    }
    Map<String, String> modes = new LinkedHashMap<>();
    for (ExtraDirectoriesConfiguration.Permission p : config.permissions) {
      if (p == null || p.file == null || p.mode == null) {
        throw new ApkimgException("<extraDirectories><permissions><permission> needs <file> and <mode>");
      }
      modes.put(p.file.trim(), p.mode.trim());
    }
    return new ExtraDirectories(directories, rules(v.map("apkimg.extraDirectories.permissions", modes)));
  }

  private static Directory directory(Path basedir, String from, String into) {
    Path folder = basedir.resolve(from).normalize();
    if (!Files.isDirectory(folder)) {
      throw new ApkimgException("extra directory " + folder + " does not exist (<extraDirectories><paths>)");
    }
    if (into == null || !into.startsWith("/") || List.of(into.split("/")).contains("..")) {
      throw new ApkimgException("<extraDirectories><paths><path><into> must be an absolute path in the image"
          + " without '..', was " + into);
    }
    return new Directory(folder, into);
  }

  /** Modes by glob, in the order given: {@code /app/run.sh=755}, {@code /opt/tool/**=700}. */
  static List<Rule> rules(Map<String, String> modes) {
    List<Rule> rules = new ArrayList<>();
    modes.forEach((glob, mode) -> {
      if (!glob.startsWith("/")) {
        throw new ApkimgException("<extraDirectories><permissions>: file '" + glob
            + "' must be an absolute path (or glob) in the image, e.g. /app/run.sh");
      }
      if (!MODE.matcher(mode).matches()) {
        throw new ApkimgException("<extraDirectories><permissions>: mode '" + mode + "' of " + glob
            + " is not three octal digits, e.g. 755");
      }
      rules.add(new Rule(glob, FileSystems.getDefault().getPathMatcher("glob:" + glob),
          FilePermissions.fromOctalString(mode)));
    });
    return rules;
  }

  List<Directory> directories() {
    return directories;
  }

  /** The mode of a path in the image: the first rule that matches, else jib's default. */
  FilePermissions modeOf(String pathInImage, boolean directory) {
    Path path = Path.of(pathInImage);
    for (Rule rule : rules) {
      if (rule.matcher().matches(path)) {
        return rule.mode();
      }
    }
    return directory ? DIRECTORY_DEFAULT : FILE_DEFAULT;
  }

  /** Every file and folder of the extra directories as one layer, or {@code null} when there is none. */
  AppLayers.Layer layer(Instant fileTime) throws IOException {
    FileEntriesLayer.Builder layer = FileEntriesLayer.builder().setName("extra files");
    int files = 0;
    for (Directory directory : directories) {
      List<Path> entries;
      try (Stream<Path> walk = Files.walk(directory.from())) {
        entries = walk.filter(p -> !p.equals(directory.from())).sorted().toList();
      }
      AbsoluteUnixPath into = AbsoluteUnixPath.get(directory.into());
      for (Path entry : entries) {
        String relative = directory.from().relativize(entry).toString().replace('\\', '/');
        AbsoluteUnixPath target = into.resolve(relative);
        if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
          layer.addEntry(entry, target, modeOf(target.toString(), true), fileTime);
        } else if (Files.isRegularFile(entry)) {
          layer.addEntry(entry, target, modeOf(target.toString(), false), fileTime);
          files++;
        }
      }
    }
    return files == 0 ? null : new AppLayers.Layer("extra files", layer.build(), files);
  }
}
