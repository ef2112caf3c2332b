package dev.apkimg.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import dev.apkimg.ApkimgException;
import dev.apkimg.Hint;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Reads the artifacts attached to an image as OCI 1.1 referrers (the SBOMs {@code --sbom} attaches):
 * from an OCI archive ({@code oci-archive:PATH[:NAME]} or a tar's path), an OCI layout folder ({@code
 * oci:DIR[:NAME]} or a folder's path) or a registry ({@code [docker://]HOST/REPO:TAG} or {@code @sha256:...}).
 * For an index, one platform's image is read; every manifest and document is checked against its digest
 * before it is parsed or returned, and an artifact counts only when its manifest names the image as its
 * {@code subject}.
 */
public final class ReferrerReader implements AutoCloseable {
  /** The annotation apkimg (and most tools) put on an attached artifact: when it was made. */
  public static final String CREATED = "org.opencontainers.image.created";

  /**
   * One attached artifact: the platform of the image it is attached to ({@code linux/amd64}, or {@code
   * index} for the multi-platform index itself), its type, the digest of its manifest, the digest and size
   * of its document, and its creation time as annotated ("" when not).
   */
  public record Attached(String platform, String subjectDigest, String artifactType, String digest,
      String documentDigest, long documentSize, String created) {}

  /** A document as attached, byte for byte, and what it is. */
  public record Document(Attached attached, byte[] bytes) {
    public Document {
      bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
      return bytes.clone();
    }
  }

  /** The image has no attached artifact of the type asked for. */
  public static final class NotAttachedException extends ApkimgException {
    NotAttachedException(String message) {
      super(message);
    }
  }

  /** The image has several platforms and none was chosen, or not the one asked for. */
  public static final class PlatformChoiceException extends ApkimgException {
    private final List<String> platforms;
    private final boolean noneChosen;

    PlatformChoiceException(String message, List<String> platforms, boolean noneChosen) {
      super(message);
      this.platforms = List.copyOf(platforms);
      this.noneChosen = noneChosen;
    }

    /** True when no platform was given (the message ends asking to choose one), false when the one given is missing. */
    public boolean noneChosen() {
      return noneChosen;
    }

    /** The platforms the image has. */
    public List<String> platforms() {
      return platforms;
    }
  }

  private record Subject(String platform, String digest) {}

  private final String image;
  private final ArtifactStore store;
  private final boolean insecure;
  private ArtifactStore.Top top;
  private JsonNode topJson;
  private List<Subject> subjects;

  private ReferrerReader(String image, ArtifactStore store, boolean insecure) {
    this.image = image;
    this.store = store;
    this.insecure = insecure;
  }

  /**
   * Opens {@code image}: {@code oci-archive:PATH[:NAME]}, {@code oci:DIR[:NAME]}, {@code docker://REF}, else
   * an existing tar or folder, else a registry reference. Registries are read with {@code credentials}
   * (found as for a push), over HTTPS; when {@code allowInsecureRegistries}, also over plain HTTP and over
   * HTTPS with a certificate that is not checked (self-signed).
   */
  public static ReferrerReader open(String image, RegistryCredentials credentials, boolean allowInsecureRegistries) {
    Objects.requireNonNull(image, "image");
    try {
      if (image.startsWith("oci-archive:") || image.startsWith("oci:")) {
        boolean archive = image.startsWith("oci-archive:");
        String rest = image.substring(image.indexOf(':') + 1);
        int colon = rest.indexOf(':');
        Path path = Path.of(colon < 0 ? rest : rest.substring(0, colon));
        String ref = colon < 0 || colon == rest.length() - 1 ? null : rest.substring(colon + 1);
        if (archive ? !Files.isRegularFile(path) : !Files.isDirectory(path)) {
          throw new ApkimgException("no " + (archive ? "archive " : "folder ") + path + ": name an existing "
              + (archive ? "OCI archive (a tar)" : "OCI layout folder"));
        }
        return new ReferrerReader(image, archive ? LayoutStore.archive(path, ref) : LayoutStore.folder(path, ref), false);
      }
      if (!image.startsWith("docker://")) {
        Path path = Path.of(image);
        if (Files.isDirectory(path)) {
          return new ReferrerReader(image, LayoutStore.folder(path, null), false);
        }
        if (Files.isRegularFile(path)) {
          return new ReferrerReader(image, LayoutStore.archive(path, null), false);
        }
        if (image.endsWith(".tar") || image.startsWith("/") || image.startsWith(".") || image.startsWith("~")) {
          throw new ApkimgException("no file or folder " + image + ": name an OCI archive, an OCI layout folder"
              + " or a registry reference (HOST/REPOSITORY:TAG)");
        }
      }
      String reference = image.startsWith("docker://") ? image.substring("docker://".length()) : image;
      ImageReference parsed;
      try {
        parsed = ImageReference.parse(reference);
      } catch (InvalidImageReferenceException e) {
        throw new ApkimgException("'" + ArtifactStore.clip(image) + "' is neither a file, a folder nor an image"
            + " reference: name an OCI archive, an OCI layout folder or HOST/REPOSITORY:TAG");
      }
      return new ReferrerReader(reference, RegistryStore.open(reference, parsed, credentials, allowInsecureRegistries),
          allowInsecureRegistries);
    } catch (IOException e) {
      throw new ApkimgException(RegistryPush.oneLine(e), e);
    } catch (java.nio.file.InvalidPathException e) {
      throw new ApkimgException("'" + ArtifactStore.clip(image) + "' is not a valid path");
    }
  }

  /** The image's platforms ({@code linux/amd64}, ...), in the order its index lists them; one for a plain manifest. */
  public List<String> platforms() {
    return subjects().stream().map(Subject::platform).toList();
  }

  /**
   * The artifacts attached to the image of {@code platform} ({@code linux/arm64}, {@code linux/arm/v7}), or
   * with {@code platform} null to every platform's image and to the index itself.
   */
  public List<Attached> list(String platform) {
    try {
      List<Subject> chosen = platform != null ? List.of(subject(platform)) : everySubject();
      List<Attached> all = new ArrayList<>();
      for (Subject s : chosen) {
        all.addAll(attached(s));
      }
      return all;
    } catch (IOException e) {
      throw failure(e, true);
    }
  }

  /**
   * The newest document of {@code artifactType} attached to the image of {@code platform}; {@code platform}
   * null: the image's only platform, or the index itself when the document is attached to it.
   *
   * @param artifactType the type to read; null (with {@code digest} only) for whatever that artifact is
   * @param digest the digest of the artifact's manifest to read (on any platform when {@code platform} is
   *     null), or null for the newest of the type
   * @throws PlatformChoiceException when no platform is given and the image has several, or not that one
   * @throws NotAttachedException when no such document is attached
   */
  public Document document(String platform, String artifactType, String digest) {
    if (artifactType == null && digest == null) {
      throw new IllegalArgumentException("an artifactType, a digest or both");
    }
    try {
      List<Attached> candidates;
      if (digest != null && platform == null) {
        List<Attached> all = new ArrayList<>();
        for (Subject s : everySubject()) {
          all.addAll(attached(s));
        }
        candidates = matching(all, artifactType, digest);
        if (candidates.isEmpty()) {
          throw new NotAttachedException("no " + (artifactType == null ? "artifact" : artifactType + " document")
              + " with manifest " + digest + " is attached to " + image);
        }
      } else if (platform == null && subjects().size() > 1) {
        candidates = matching(attached(new Subject("index", top().digest())), artifactType, digest);
        if (candidates.isEmpty()) {
          throw new PlatformChoiceException(image + " has " + subjects().size() + " platforms ("
              + String.join(", ", platforms()) + "): choose one", platforms(), true);
        }
      } else {
        Subject s = platform == null ? subjects().get(0) : subject(platform);
        List<Attached> all = attached(s);
        candidates = matching(all, artifactType, digest);
        if (candidates.isEmpty()) {
          Set<String> types = new LinkedHashSet<>();
          all.forEach(a -> types.add(a.artifactType()));
          throw new NotAttachedException("no " + artifactType + " document"
              + (digest != null ? " with manifest " + digest : "") + " is attached to " + image
              + (subjects().size() > 1 ? " for " + s.platform() : "")
              + (types.isEmpty() ? " (nothing is attached to it)" : " (attached: " + String.join(", ", types) + ")"));
        }
      }
      Attached newest = candidates.get(0);
      for (Attached a : candidates) {
        if (a.created().compareTo(newest.created()) >= 0) {
          newest = a;
        }
      }
      byte[] bytes = store.blob(newest.documentDigest(), newest.documentSize(), ArtifactStore.MAX_DOCUMENT_BYTES);
      return new Document(newest, bytes);
    } catch (IOException e) {
      throw failure(e, true);
    }
  }

  private static List<Attached> matching(List<Attached> all, String artifactType, String digest) {
    return all.stream().filter(a -> (artifactType == null || a.artifactType().equals(artifactType))
        && (digest == null || a.digest().equals(digest))).toList();
  }

  private ArtifactStore.Top top() throws IOException {
    if (top == null) {
      top = store.top();
      topJson = PlatformImage.JSON.readTree(top.bytes());
      if (topJson == null || !topJson.isObject()) {
        throw new IOException("the image manifest " + top.digest() + " in " + store.name() + " is not a JSON object");
      }
    }
    return top;
  }

  private List<Subject> subjects() {
    if (subjects != null) {
      return subjects;
    }
    try {
      top();
      List<Subject> list = new ArrayList<>();
      if (topJson.path("manifests").isArray()) {
        for (JsonNode entry : topJson.path("manifests")) {
          JsonNode p = entry.path("platform");
          String os = p.path("os").asText("");
          String arch = p.path("architecture").asText("");
          if (os.isEmpty() || arch.isEmpty() || os.equals("unknown") || entry.has("artifactType")) {
            continue; // buildx's attestation manifests and the like are no platform's image
          }
          String variant = p.path("variant").asText("");
          list.add(new Subject(os + "/" + arch + (variant.isEmpty() ? "" : "/" + variant),
              store.checkedDigest(entry.path("digest").asText(null))));
        }
        if (list.isEmpty()) {
          throw new IOException("the image index " + top.digest() + " in " + store.name() + " lists no platform's image");
        }
      } else {
        list.add(new Subject(platformOfManifest(), top.digest()));
      }
      subjects = list;
      return subjects;
    } catch (IOException e) {
      throw failure(e, true);
    }
  }

  /** A plain manifest's platform, from its configuration ("" when it names none). */
  private String platformOfManifest() throws IOException {
    JsonNode config = topJson.path("config");
    byte[] bytes = store.blob(store.checkedDigest(config.path("digest").asText(null)), config.path("size").asLong(-1),
        ArtifactStore.MAX_MANIFEST_BYTES);
    JsonNode c = PlatformImage.JSON.readTree(bytes);
    String os = c == null ? "" : c.path("os").asText("");
    String arch = c == null ? "" : c.path("architecture").asText("");
    String variant = c == null ? "" : c.path("variant").asText("");
    return os.isEmpty() || arch.isEmpty() ? "" : os + "/" + arch + (variant.isEmpty() ? "" : "/" + variant);
  }

  private Subject subject(String platform) {
    for (Subject s : subjects()) {
      if (normalized(s.platform()).equals(normalized(platform))) {
        return s;
      }
    }
    throw new PlatformChoiceException(image + " has no image for " + platform + " (" + (subjects().size() == 1
        ? "it is for " + subjects().get(0).platform() + " only" : "it has " + String.join(", ", platforms())) + ")",
        platforms(), false);
  }

  private static String normalized(String platform) {
    return platform.equals("linux/arm64/v8") ? "linux/arm64" : platform;
  }

  private List<Subject> everySubject() throws IOException {
    List<Subject> all = new ArrayList<>(subjects());
    if (topJson.path("manifests").isArray()) {
      all.add(new Subject("index", top().digest()));
    }
    return all;
  }

  /** The artifacts whose verified manifest names {@code subject}, in the order listed. */
  private List<Attached> attached(Subject subject) throws IOException {
    List<Attached> found = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (JsonNode descriptor : store.referrers(subject.digest())) {
      String digest = descriptor.path("digest").asText("");
      if (!ArtifactStore.DIGEST.matcher(digest).matches() || !seen.add(digest)) {
        continue;
      }
      JsonNode m = PlatformImage.JSON.readTree(store.manifest(digest, descriptor.path("size").asLong(-1)));
      if (m == null || !subject.digest().equals(m.path("subject").path("digest").asText())) {
        continue; // another image's artifact (a layout lists them all), or a list that lies
      }
      String type = m.path("artifactType").asText("");
      if (type.isEmpty()) {
        type = m.path("config").path("mediaType").asText("");
      }
      JsonNode document = null;
      int layers = m.path("layers").size();
      for (JsonNode layer : m.path("layers")) {
        if (layer.path("mediaType").asText("").equals(type) && document == null) {
          document = layer;
        }
      }
      if (document == null && layers == 1) {
        document = m.path("layers").get(0);
      }
      if (document == null || !ArtifactStore.DIGEST.matcher(document.path("digest").asText("")).matches()) {
        continue; // not a one-document artifact such as --sbom attaches
      }
      String created = m.path("annotations").path(CREATED).asText(
          descriptor.path("annotations").path(CREATED).asText(""));
      found.add(new Attached(subject.platform(), subject.digest(), type, digest, document.path("digest").asText(),
          document.path("size").asLong(-1), created));
    }
    return found;
  }

  /** One line for the user: what failed and where; a registry not reached over HTTPS may be allowed on HTTP. */
  private ApkimgException failure(IOException e, boolean reading) {
    if (e instanceof InterruptedIOException) {
      return new ApkimgException("interrupted while reading " + image, e);
    }
    String message = RegistryPush.oneLine(e);
    if (e instanceof ArtifactStore.DamagedException) {
      return new ApkimgException(message, e);
    }
    if (e instanceof RegistryStore.UnreachableException u && u.tls() && !insecure) {
      return new ApkimgException("cannot read " + image + ": " + message + "; a registry on plain HTTP or with an"
          + " untrusted certificate must be allowed explicitly", Hint.ALLOW_INSECURE_REGISTRY, e);
    }
    return new ApkimgException((reading ? "cannot read " + image + ": " : "") + message, e);
  }

  /** Whether the registry's referrers API answered (false: the referrers tag schema, or not a registry). */
  public boolean usedReferrersApi() {
    return store instanceof RegistryStore r && r.usedReferrersApi();
  }

  @Override
  public void close() {
    try {
      store.close();
    } catch (IOException e) {
      // Only reading handles: nothing to lose.
    }
  }
}
