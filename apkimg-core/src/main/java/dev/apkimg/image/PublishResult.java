package dev.apkimg.image;

import java.nio.file.Path;
import java.util.List;

/**
 * What was published.
 *
 * @param digest the image digest: the index's with several platforms, else the manifest's; the
 *     same in the archive and in every registry
 * @param mediaType the media type of what {@code digest} names
 * @param platforms the per-platform images, in the order built
 * @param tag the name recorded in the archive and the daemon
 * @param archive the archive written, or {@code null}
 * @param pushed the references pushed to, as given
 * @param pushes per reference pushed to, what was uploaded, reused and mounted
 * @param loaded whether the image was loaded into the Docker daemon
 */
public record PublishResult(
    String digest,
    String mediaType,
    List<PlatformImage> platforms,
    String tag,
    Path archive,
    List<String> pushed,
    List<PushReport> pushes,
    boolean loaded) {
  public PublishResult {
    platforms = List.copyOf(platforms);
    pushed = List.copyOf(pushed);
    pushes = List.copyOf(pushes);
  }

  /** Without push reports, as before they were counted. */
  public PublishResult(String digest, String mediaType, List<PlatformImage> platforms, String tag, Path archive,
      List<String> pushed, boolean loaded) {
    this(digest, mediaType, platforms, tag, archive, pushed, List.of(), loaded);
  }
}
