package dev.apkimg.image;

/**
 * What was written: digests as {@code sha256:<hex>}, read back from the archive itself.
 *
 * @param manifestDigest the image manifest's digest (the image digest)
 * @param configDigest the image configuration's digest (the image id)
 * @param layerDigest the digest of the gzipped layer blob
 * @param layerSize the size of the gzipped layer blob in bytes
 */
public record ImageResult(
    String manifestDigest, String configDigest, String layerDigest, long layerSize) {}
