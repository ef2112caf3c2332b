package dev.apkimg.maven;

import dev.apkimg.api.Outputs;
import java.io.File;
import java.nio.file.Path;

/**
 * Where the image's SBOMs go, from {@code <sbomDir>} and {@code <sbom>} (or {@code -Dapkimg.sbomDir},
 * {@code -Dapkimg.sbom}):
 * <ul>
 *   <li>the files ({@code ARCH.spdx.json}, {@code ARCH.cdx.json}, the provenance {@code ARCH.provenance.json})
 *       go to {@code <sbomDir>}, by default
 *       {@code target/apkimg-sbom};
 *   <li>they are attached to the image as OCI referrers when {@code <sbom>} is true; unset, the goal
 *       decides: {@code build} attaches them to the pushed image, {@code buildTar} and
 *       {@code dockerBuild} do not (a Docker tar and the daemon have no place for them);
 *   <li>{@code <sbom>false</sbom>} turns them off: nothing attached and no files, unless
 *       {@code <sbomDir>} is set too (then the files only).
 * </ul>
 *
 * @param dir the folder for the files, or null for none
 * @param attach whether they are attached to the image
 */
record SbomSettings(Path dir, boolean attach) {
  static final String DEFAULT_DIR = "apkimg-sbom";

  /** Whether the build makes SBOMs at all (and so reads and hashes the jars for them). */
  boolean any() {
    return dir != null || attach;
  }

  /**
   * Why {@code outputs} cannot carry attached SBOMs, in the plugin's words, or null when they can (or
   * none are asked for): checked before anything is built.
   */
  static String refusal(Outputs outputs) {
    if (!outputs.sbom()) {
      return null;
    }
    if (outputs.archive() != null && outputs.format() != Outputs.Format.OCI) {
      return "<sbom> attaches the SBOMs to an OCI tar or a pushed image, and a Docker-format tar"
          + " (<container><format>Docker) has no place for them: leave <sbom> unset (the files still go to <sbomDir>)"
          + " or build an OCI tar";
    }
    if (outputs.daemon()) {
      return "<sbom> attaches the SBOMs to an OCI tar or a pushed image, and the Docker daemon does not keep them:"
          + " leave <sbom> unset for dockerBuild (the files still go to <sbomDir>)";
    }
    return null;
  }

  /**
   * @param configuredDir {@code <sbomDir>}, or null
   * @param configuredAttach {@code <sbom>}, or null when not set
   * @param attachByDefault the goal's choice when {@code <sbom>} is not set
   * @param projectDir what a relative {@code sbomDir} is relative to
   * @param buildDir the project's {@code target} folder
   */
  static SbomSettings read(ConfigValues values, File configuredDir, Boolean configuredAttach, boolean attachByDefault,
      Path projectDir, Path buildDir) {
    Boolean attach = values.isSet("apkimg.sbom") ? Boolean.valueOf(values.flag("apkimg.sbom", false))
        : configuredAttach;
    String dir = values.value("apkimg.sbomDir", configuredDir == null ? null : configuredDir.getPath());
    Path folder = dir != null ? projectDir.resolve(dir).normalize()
        : Boolean.FALSE.equals(attach) ? null : buildDir.resolve(DEFAULT_DIR);
    return new SbomSettings(folder, attach != null ? attach : attachByDefault);
  }
}
