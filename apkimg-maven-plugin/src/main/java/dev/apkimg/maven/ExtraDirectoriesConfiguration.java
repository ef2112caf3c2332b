package dev.apkimg.maven;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code <extraDirectories>}: folders copied into the image, with jib-maven-plugin's names.
 * Properties: {@code apkimg.extraDirectories.paths} (folders, copied to {@code /}) and {@code
 * apkimg.extraDirectories.permissions} ({@code /path/in/image=755,/glob/**=644}).
 */
public class ExtraDirectoriesConfiguration {
  /** {@code <path>} elements; default: {@code src/main/jib}, when it exists. */
  List<ExtraDirectory> paths = new ArrayList<>();
  /** {@code <permission>} elements: the first whose {@code <file>} glob matches the path in the image wins. */
  List<Permission> permissions = new ArrayList<>();

  /** {@code <path>}: {@code <from>} and {@code <into>}, or the folder alone ({@code <path>src/x</path>}). */
  public static class ExtraDirectory {
    File from;
    String into = "/";

    /** The short form: the element's text is the folder, copied to {@code /}. */
    public void set(File from) {
      this.from = from;
    }
  }

  /** {@code <permission>}: {@code <file>} (a path or glob in the image) and {@code <mode>} (octal, e.g. 755). */
  public static class Permission {
    String file;
    String mode;
  }
}
