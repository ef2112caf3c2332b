package dev.apkimg.image;

import dev.apkimg.ApkimgException;
import dev.apkimg.TemporaryFiles;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The Docker daemon output of {@link ImagePublisher}: {@code docker load} of a Docker archive. */
final class DaemonLoad {
  private DaemonLoad() {}

  static PlatformImage forDaemon(List<PlatformImage> images) {
    if (images.size() == 1) {
      return images.get(0);
    }
    String host = dev.apkimg.Arch.host().map(dev.apkimg.Arch::platform).orElse("");
    return images.stream().filter(i -> i.platform().equals(host)).findFirst()
        .orElseGet(() -> ImagePublisher.single(images, "the Docker daemon"));
  }

  /** {@code docker load} of a Docker archive: what jib's DockerDaemonImage does, with our bytes. */
  static void loadIntoDaemon(PlatformImage image, String tag) throws IOException {
    Path tar = TemporaryFiles.register(Files.createTempFile("apkimg-docker-", ".tar"));
    try {
      ImageArchives.writeDockerArchive(image, tag, tar);
      Process docker;
      try {
        docker = new ProcessBuilder("docker", "load", "--input", tar.toString())
            .redirectErrorStream(true).start();
      } catch (IOException e) {
        throw new ApkimgException("cannot load the image into Docker: the docker command was not found ("
            + RegistryPush.oneLine(e) + ")");
      }
      docker.getOutputStream().close();
      String output = new String(docker.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!docker.waitFor(10, TimeUnit.MINUTES)) {
        docker.destroyForcibly();
        throw new ApkimgException("cannot load the image into Docker: docker load did not finish in 10 minutes");
      }
      if (docker.exitValue() != 0) {
        String reason = output.lines().filter(l -> !l.isBlank()).reduce((a, b) -> b).orElse("exit " + docker.exitValue());
        throw new ApkimgException("cannot load the image into Docker: " + reason.strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while loading the image into Docker");
    } finally {
      TemporaryFiles.delete(tar);
    }
  }
}
