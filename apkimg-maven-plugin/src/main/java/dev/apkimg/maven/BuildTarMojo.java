package dev.apkimg.maven;

import dev.apkimg.api.Outputs;
import dev.apkimg.image.ImageOutputs;
import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.plugins.annotations.ResolutionScope;

/**
 * Writes the image as a tar ({@code target/apkimg.tar}): an OCI image layout (an image index with
 * several {@code <archs>}), or {@code docker load} format with {@code <container><format>Docker}.
 * Nothing here needs a registry.
 */
@Mojo(name = "buildTar", requiresDependencyResolution = ResolutionScope.RUNTIME, threadSafe = true)
public class BuildTarMojo extends AbstractApkimgMojo {
  /** Where the tar goes; {@code <outputPaths><tar>} (jib's name) wins when both are set. */
  @Parameter(property = "apkimg.tarPath", defaultValue = "${project.build.directory}/apkimg.tar")
  File tarPath;

  @Override
  String goal() {
    return "buildTar";
  }

  @Override
  String defaultImage() {
    return project.getArtifactId() + ":" + project.getVersion();
  }

  @Override
  List<Target> targets(String image, List<String> tags, Supplier<Outputs.Builder> outputs, ConfigValues values) {
    Path tar = outputPath(values, "tar", outputPaths.tar, tarPath.toPath());
    ImageOutputs.Format format = ContainerSettings.format(values.value("apkimg.container.format", container.format));
    return List.of(new Target(image, outputs.get().archive(tar, format)));
  }
}
