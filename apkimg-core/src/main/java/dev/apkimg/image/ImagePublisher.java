package dev.apkimg.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.apkimg.ApkimgException;
import dev.apkimg.OutputFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Publishes built {@link PlatformImage}s: an OCI or Docker archive, registries, the Docker daemon.
 * Several platforms become one OCI image index, which jib-core cannot write or push: in the OCI
 * archive it is a blob that {@code index.json} points to; in a registry it is pushed under each
 * tag after every platform's manifest has been pushed by digest.
 */
public final class ImagePublisher {
  static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";

  private ImagePublisher() {}

  /** What publishing reports, as it happens. */
  public interface Progress {
    void pushed(String reference, String digest);

    /** The image was pushed; {@code blobs} says what was uploaded, reused and mounted. */
    default void pushed(String reference, String digest, PushReport blobs) {
      pushed(reference, digest);
    }

    void loaded(String tag, String platform);

    /**
     * Bytes of blob {@code digest} are being uploaded to {@code reference}, {@code bytes} of
     * {@code size} so far: at most every {@link dev.apkimg.ProgressThrottle#EVENT_INTERVAL_MILLIS}
     * per blob, and once when all are sent.
     */
    default void blobPushing(String reference, String digest, long bytes, long size) {}

    /** Blob {@code digest} is in the repository of {@code reference}, and how it got there. */
    default void blobPushed(String reference, String digest, long size, BlobTransfer transfer) {}

    /**
     * A request of the push to {@code reference} failed and is tried again; {@code message} says
     * which, for which blob, and the attempt that follows.
     */
    default void retrying(String reference, String message) {}
  }

  /** How a blob reached the registry. */
  public enum BlobTransfer {
    /** Its bytes were sent. */
    UPLOADED,
    /** The repository had it already: nothing was sent. */
    EXISTS,
    /** The registry copied it from another of its repositories: nothing was sent. */
    MOUNTED
  }

  /**
   * Publishes {@code images} (one per platform) to every output in {@code outputs}. The archive
   * is staged in {@code files} and left there: the caller commits it together with its other
   * outputs (metadata, digest) once everything is published, all or nothing.
   *
   * @param tag the image name recorded in archives and in the daemon, exactly as given
   * @param indexAnnotations annotations of the image index (several platforms)
   * @param cacheDir where the record of blobs pushed to each registry is kept (cross-repository
   *     mounts), or {@code null} for none
   */
  public static PublishResult publish(List<PlatformImage> images, String tag, Map<String, String> indexAnnotations,
      ImageOutputs outputs, Path cacheDir, OutputFiles files, Progress progress) {
    return publish(images, tag, indexAnnotations, List.of(), outputs, cacheDir, files, progress);
  }

  /**
   * As above, with {@code referrers} (SBOMs whose subject is one of {@code images}) attached in the
   * OCI archive and in every registry pushed to (see {@link RegistryPush}). A Docker archive and the
   * daemon do not carry them: callers refuse referrers with those outputs.
   */
  public static PublishResult publish(List<PlatformImage> images, String tag, Map<String, String> indexAnnotations,
      List<Referrer> referrers, ImageOutputs outputs, Path cacheDir, OutputFiles files, Progress progress) {
    return publish(images, tag, indexAnnotations, referrers, referrers, outputs, cacheDir, files, progress);
  }

  /** As above, with the referrers for the OCI archive and for the registries given apart. */
  public static PublishResult publish(List<PlatformImage> images, String tag, Map<String, String> indexAnnotations,
      List<Referrer> archiveReferrers, List<Referrer> pushReferrers, ImageOutputs outputs, Path cacheDir,
      OutputFiles files, Progress progress) {
    List<Referrer> referrers = new ArrayList<>(archiveReferrers);
    pushReferrers.stream().filter(r -> !archiveReferrers.contains(r)).forEach(referrers::add);
    if (images.isEmpty()) {
      throw new IllegalArgumentException("no image to publish");
    }
    byte[] index = images.size() > 1 ? index(images, indexAnnotations) : null;
    String indexDigest = index == null ? null : PlatformImage.digest(index);
    for (Referrer r : referrers) {
      if (images.stream().noneMatch(i -> i.manifestDigest().equals(r.subjectDigest()))
          && !r.subjectDigest().equals(indexDigest)) {
        throw new IllegalArgumentException("referrer of " + r.subjectDigest() + ", not one of " + images);
      }
    }
    String digest = index != null ? PlatformImage.digest(index) : images.get(0).manifestDigest();
    String mediaType = index != null ? OCI_INDEX : PlatformImage.OCI_MANIFEST;

    List<String> pushed = new ArrayList<>();
    List<PushReport> pushes = new ArrayList<>();
    try {
      if (outputs.archive() != null) {
        Path target = outputs.archive().toAbsolutePath();
        Path staged = files.stage(target);
        if (outputs.format() == ImageOutputs.Format.DOCKER) {
          PlatformImage image = single(images, "a Docker archive");
          files.writeStaged(staged, file -> ImageArchives.writeDockerArchive(image, tag, file));
        } else {
          files.writeStaged(staged, file -> ImageArchives.writeOciArchive(images, index, tag, archiveReferrers, file));
        }
      }
      for (String reference : outputs.push()) {
        PushReport report = RegistryPush.push(images, index, pushReferrers, reference, outputs, cacheDir, progress);
        pushed.add(reference);
        pushes.add(report);
        progress.pushed(reference, digest, report);
      }
      boolean loaded = false;
      if (outputs.daemon()) {
        PlatformImage image = DaemonLoad.forDaemon(images);
        DaemonLoad.loadIntoDaemon(image, tag);
        loaded = true;
        progress.loaded(tag, image.platform());
      }
      return new PublishResult(digest, mediaType, images, tag, outputs.archive() == null
          ? null : outputs.archive().toAbsolutePath(), pushed, pushes, loaded);
    } catch (IOException e) {
      throw new ApkimgException(e.getMessage(), e);
    }
  }

  /** The image index of several platform images, as published; its digest is the image's. */
  public static byte[] index(List<PlatformImage> images, Map<String, String> annotations) {
    ObjectNode index = PlatformImage.JSON.createObjectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", OCI_INDEX);
    ArrayNode manifests = index.putArray("manifests");
    for (PlatformImage image : images) {
      manifests.add(image.descriptor());
    }
    if (!annotations.isEmpty()) {
      ObjectNode a = index.putObject("annotations");
      annotations.forEach(a::put);
    }
    return json(index);
  }

  static byte[] json(JsonNode node) {
    try {
      return PlatformImage.JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialise JSON", e);
    }
  }

  static PlatformImage single(List<PlatformImage> images, String what) {
    if (images.size() != 1) {
      throw new ApkimgException(what + " holds one platform, this image has " + images.size()
          + " (" + images.stream().map(PlatformImage::platform).toList()
          + "): build one architecture, or use the OCI format", dev.apkimg.Hint.ONE_ARCH);
    }
    return images.get(0);
  }

  /** Writes {@code images} as an archive at {@code target}, atomically. */
  static void writeArchive(List<PlatformImage> images, String tag, Path target,
      ImageOutputs.Format format) throws IOException {
    if (format == ImageOutputs.Format.DOCKER) {
      PlatformImage image = single(images, "a Docker archive");
      OutputFiles.write(target, file -> ImageArchives.writeDockerArchive(image, tag, file));
    } else {
      byte[] index = images.size() > 1 ? index(images, Map.of()) : null;
      OutputFiles.write(target, file -> ImageArchives.writeOciArchive(images, index, tag, file));
    }
  }
}
