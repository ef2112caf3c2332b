package dev.apkimg.image;

import java.util.Locale;

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
 * @param referrers how the registry lists the SBOMs attached to the image, or {@code null} when none were
 */
public record PushReport(String reference, int uploaded, long uploadedBytes, int reused, int mounted,
    Referrers referrers) {
  /**
   * How a registry lists an image's referrers (OCI distribution spec 1.1): by its referrers API, or, where it
   * has none, by the image index apkimg keeps under the referrers tag {@code sha256-HEX}.
   */
  public enum Referrers {
    API,
    TAG;

    /** {@code api} or {@code tag}, as the metadata file says it. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** A push that attached nothing. */
  public PushReport(String reference, int uploaded, long uploadedBytes, int reused, int mounted) {
    this(reference, uploaded, uploadedBytes, reused, mounted, null);
  }

  PushReport withReferrers(Referrers listing) {
    return new PushReport(reference, uploaded, uploadedBytes, reused, mounted, listing);
  }

  /** The counts as one phrase, e.g. {@code 3 blobs uploaded (1234 bytes), 13 reused, 0 mounted}. */
  public String summary() {
    return uploaded + (uploaded == 1 ? " blob" : " blobs") + " uploaded (" + uploadedBytes + " bytes), "
        + reused + " already there, " + mounted + " mounted from another repository";
  }
}
