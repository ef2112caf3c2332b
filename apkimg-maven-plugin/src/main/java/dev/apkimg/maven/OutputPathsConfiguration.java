package dev.apkimg.maven;

import java.io.File;

/**
 * {@code <outputPaths>}: where the build's files go, with jib-maven-plugin's names. Properties:
 * {@code apkimg.outputPaths.digest}, {@code .imageId}, {@code .imageJson}, {@code .tar}.
 */
public class OutputPathsConfiguration {
  /** The image digest; default {@code target/apkimg-image.digest}. */
  File digest;
  /** The image id (the configuration's digest, as {@code docker images} shows it); default {@code target/apkimg-image.id}. */
  File imageId;
  /** The metadata JSON, the schema of the CLI's {@code --metadata-file}; default {@code target/apkimg-image.json}. */
  File imageJson;
  /** The image tar of {@code apkimg:buildTar}; default {@code target/apkimg.tar}. */
  File tar;
}
