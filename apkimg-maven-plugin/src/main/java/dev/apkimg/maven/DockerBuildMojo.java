package dev.apkimg.maven;

import com.google.cloud.tools.jib.api.ImageReference;
import dev.apkimg.image.ImageOutputs;
import java.util.ArrayList;
import java.util.List;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.ResolutionScope;

/**
 * Loads the image into a Docker daemon with the {@code docker} command on PATH, under its name
 * and every {@code <to><tags>}; with several {@code <archs>}, the build machine's.
 */
@Mojo(name = "dockerBuild", requiresDependencyResolution = ResolutionScope.RUNTIME, threadSafe = true)
public class DockerBuildMojo extends AbstractApkimgMojo {
  @Override
  String goal() {
    return "dockerBuild";
  }

  @Override
  String defaultImage() {
    return project.getArtifactId() + ":" + project.getVersion();
  }

  @Override
  List<ImageOutputs> outputs(String image, ImageReference reference, List<String> tags, OutputsStart start,
      ConfigValues values) {
    List<ImageOutputs> outputs = new ArrayList<>();
    outputs.add(start.get(image).daemon(true).build());
    for (String tag : tags) {
      outputs.add(start.get(withTag(image, tag)).daemon(true).build());
    }
    return outputs;
  }
}
