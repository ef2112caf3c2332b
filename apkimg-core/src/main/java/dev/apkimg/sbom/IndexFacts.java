package dev.apkimg.sbom;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What the bill of materials of a multi-architecture image index says: the index, and each
 * platform's image with the SBOMs that describe it (which it refers to, by checksum).
 *
 * @param reference the image name as given
 * @param indexDigest the image index's digest ({@code sha256:...})
 * @param created the index's creation time (the newest of its images')
 * @param toolVersion apkimg's version
 * @param platforms one per image in the index, in its order
 */
public record IndexFacts(String reference, String indexDigest, Instant created, String toolVersion,
    List<Platform> platforms) {
  public IndexFacts {
    Objects.requireNonNull(reference, "reference");
    Objects.requireNonNull(indexDigest, "indexDigest");
    Objects.requireNonNull(created, "created");
    Objects.requireNonNull(toolVersion, "toolVersion");
    platforms = List.copyOf(platforms);
    if (platforms.isEmpty()) {
      throw new IllegalArgumentException("an index of no image");
    }
  }

  /**
   * One platform's image and its SBOMs.
   *
   * @param image what that platform's SBOMs say (its manifest digest, platform, packages)
   * @param spdx that platform's SPDX document, as written
   * @param cycloneDx that platform's CycloneDX document, as written
   */
  public record Platform(ImageFacts image, byte[] spdx, byte[] cycloneDx) {
    public Platform {
      Objects.requireNonNull(image, "image");
      spdx = spdx.clone();
      cycloneDx = cycloneDx.clone();
    }
  }
}
