package dev.apkimg.image;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An OCI 1.1 artifact attached to one platform image (an SBOM): an image manifest with {@code
 * artifactType}, the empty configuration, one layer holding the document, and {@code subject} =
 * the image's manifest, so {@code oras discover} and the registries' referrers API find it. Its
 * bytes follow from its inputs alone (same inputs, same digest).
 */
public final class Referrer {
  static final String EMPTY_MEDIA_TYPE = "application/vnd.oci.empty.v1+json";
  static final byte[] EMPTY = "{}".getBytes(StandardCharsets.US_ASCII);

  private final String subjectDigest;
  private final String artifactType;
  private final byte[] content;
  private final Map<String, String> annotations;
  private final byte[] manifest;
  private final String manifestDigest;

  private Referrer(PlatformImage subject, String artifactType, byte[] content, Map<String, String> annotations) {
    this(PlatformImage.OCI_MANIFEST, subject.manifest(), artifactType, content, annotations);
  }

  private Referrer(String subjectMediaType, byte[] subjectBytes, String artifactType, byte[] content,
      Map<String, String> annotations) {
    this.subjectDigest = PlatformImage.digest(subjectBytes);
    this.artifactType = Objects.requireNonNull(artifactType, "artifactType");
    this.content = content.clone();
    this.annotations = Map.copyOf(annotations);
    ObjectNode m = PlatformImage.JSON.createObjectNode();
    m.put("schemaVersion", 2);
    m.put("mediaType", PlatformImage.OCI_MANIFEST);
    m.put("artifactType", artifactType);
    m.set("config", descriptor(EMPTY_MEDIA_TYPE, EMPTY));
    m.putArray("layers").add(descriptor(artifactType, content));
    ObjectNode s = m.putObject("subject");
    s.put("mediaType", subjectMediaType);
    s.put("digest", subjectDigest);
    s.put("size", subjectBytes.length);
    putAnnotations(m, annotations);
    this.manifest = ImagePublisher.json(m);
    this.manifestDigest = PlatformImage.digest(manifest);
  }

  /**
   * {@code content} (of media type {@code artifactType}, e.g. {@code application/spdx+json}) attached to
   * {@code subject}; {@code annotations} go on the artifact manifest and its entry in {@code index.json},
   * in key order.
   */
  public static Referrer of(PlatformImage subject, String artifactType, byte[] content,
      Map<String, String> annotations) {
    return new Referrer(subject, artifactType, content, annotations);
  }

  /**
   * {@code content} attached to the image index of {@code images} ({@link ImagePublisher#index}):
   * what describes the multi-architecture image as a whole.
   */
  public static Referrer ofIndex(List<PlatformImage> images, Map<String, String> indexAnnotations,
      String artifactType, byte[] content, Map<String, String> annotations) {
    return new Referrer(ImagePublisher.OCI_INDEX, ImagePublisher.index(images, indexAnnotations), artifactType,
        content, annotations);
  }

  /** The digest of the image manifest (or index) this artifact is attached to. */
  public String subjectDigest() {
    return subjectDigest;
  }

  public String artifactType() {
    return artifactType;
  }

  /** The digest of the artifact manifest: what the registries' referrers API lists. */
  public String manifestDigest() {
    return manifestDigest;
  }

  /** The digest of the document (the artifact's one layer). */
  public String contentDigest() {
    return PlatformImage.digest(content);
  }

  byte[] manifest() {
    return manifest.clone();
  }

  byte[] content() {
    return content.clone();
  }

  /** The artifact manifest's descriptor, as {@code index.json} lists it: with its artifactType and annotations. */
  ObjectNode descriptor() {
    ObjectNode d = descriptor(PlatformImage.OCI_MANIFEST, manifest);
    d.put("artifactType", artifactType);
    putAnnotations(d, annotations);
    return d;
  }

  private static ObjectNode descriptor(String mediaType, byte[] bytes) {
    ObjectNode d = PlatformImage.JSON.createObjectNode();
    d.put("mediaType", mediaType);
    d.put("digest", PlatformImage.digest(bytes));
    d.put("size", bytes.length);
    return d;
  }

  private static void putAnnotations(ObjectNode node, Map<String, String> annotations) {
    if (!annotations.isEmpty()) {
      ObjectNode a = node.putObject("annotations");
      new java.util.TreeMap<>(annotations).forEach(a::put);
    }
  }
}
