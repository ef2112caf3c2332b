package dev.apkimg.maven;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.DockerDaemonImage;
import com.google.cloud.tools.jib.api.ImageReference;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.ResolutionScope;

/** Loads the image into a Docker daemon with the {@code docker} command on PATH. */
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
  Containerizer containerizer(ImageReference reference) {
    return Containerizer.to(DockerDaemonImage.named(reference)).setOfflineMode(true);
  }
}
