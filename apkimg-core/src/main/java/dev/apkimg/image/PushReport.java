package dev.apkimg.image;

/**
 * What one push sent: blobs a registry lacked are uploaded, blobs the repository already has
 * are reused (a HEAD, no bytes), blobs another repository of the registry has are mounted from
 * it (no bytes). Manifests and the index are not counted: they are always sent.
 *
 * @param reference the image reference pushed to, as given
 * @param uploaded blobs uploaded
 * @param uploadedBytes their bytes
 * @param reused blobs the repository already had
 * @param mounted blobs mounted from another repository of the same registry
 */
public record PushReport(String reference, int uploaded, long uploadedBytes, int reused, int mounted) {
  /** The counts as one phrase, e.g. {@code 3 blobs uploaded (1234 bytes), 13 reused, 0 mounted}. */
  public String summary() {
    return uploaded + (uploaded == 1 ? " blob" : " blobs") + " uploaded (" + uploadedBytes + " bytes), "
        + reused + " already there, " + mounted + " mounted from another repository";
  }
}
