package dev.apkimg.maven;

import dev.apkimg.api.Outputs;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
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
  List<Target> targets(String image, List<String> tags, Supplier<Outputs.Builder> outputs, ConfigValues values) {
    List<Target> targets = new ArrayList<>();
    targets.add(new Target(image, outputs.get().daemon(true)));
    for (String tag : tags) {
      String tagged = withTag(image, tag);
      targets.add(new Target(tagged, outputs.get().daemon(true)));
    }
    return targets;
  }
}
