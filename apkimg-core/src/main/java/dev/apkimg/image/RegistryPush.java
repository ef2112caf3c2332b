package dev.apkimg.image;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.api.RegistryUnauthorizedException;
import com.google.cloud.tools.jib.blob.Blob;
import com.google.cloud.tools.jib.blob.Blobs;
import com.google.cloud.tools.jib.event.EventHandlers;
import com.google.cloud.tools.jib.http.FailoverHttpClient;
import com.google.cloud.tools.jib.image.json.ManifestTemplate;
import com.google.cloud.tools.jib.registry.RegistryClient;
import dev.apkimg.ApkimgException;
import dev.apkimg.Hint;
import dev.apkimg.ProgressThrottle;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.DigestException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Pushes of {@link ImagePublisher}: every platform's blobs and manifest, then the index under
 * the tag, with jib-core's registry client and our bytes; a registry that does not answer, or
 * not over trusted TLS, is found out first rather than after jib's minute of retries.
 */
final class RegistryPush {
  /** How long a registry may take to accept a connection before a push gives up. */
  static final int REGISTRY_CONNECT_TIMEOUT_MILLIS = 10_000;

  private RegistryPush() {}

  /** Holds the bytes we computed the digest of, so jib pushes exactly them. */
  static final class RawManifest implements ManifestTemplate {
    private final JsonNode json;
    private final String mediaType;

    RawManifest(byte[] bytes, String mediaType) throws IOException {
      this.json = PlatformImage.JSON.readTree(bytes);
      this.mediaType = mediaType;
    }

    @JsonValue
    JsonNode json() {
      return json;
    }

    @Override
    public int getSchemaVersion() {
      return 2;
    }

    @Override
    public String getManifestMediaType() {
      return mediaType;
    }
  }

  /**
   * Pushes to {@code reference}: each blob the repository lacks is mounted from another
   * repository of the registry that {@code cacheDir}'s record says has it, else uploaded.
   *
   * @param cacheDir where the record of pushed blobs is kept, or {@code null} for none
   */
  static PushReport push(List<PlatformImage> images, byte[] index, String reference,
      ImageOutputs outputs, Path cacheDir) throws IOException {
    return push(images, index, List.of(), reference, outputs, cacheDir);
  }

  /**
   * As above, then {@code referrers} (artifacts whose subject is one of {@code images}): their blobs and
   * manifests by digest, listed by the registry's referrers API or, where it has none, under each subject's
   * referrers tag ({@link ReferrersTagIndex}). The report counts the image's blobs only, and says which.
   */
  static PushReport push(List<PlatformImage> images, byte[] index, List<Referrer> referrers, String reference,
      ImageOutputs outputs, Path cacheDir) throws IOException {
    return push(images, index, referrers, reference, outputs, cacheDir, new ImagePublisher.Progress() {
      @Override
      public void pushed(String ref, String digest) {}

      @Override
      public void loaded(String tag, String platform) {}
    });
  }

  /** As above, telling {@code progress} how each blob's upload goes and what became of it. */
  static PushReport push(List<PlatformImage> images, byte[] index, List<Referrer> referrers, String reference,
      ImageOutputs outputs, Path cacheDir, ImagePublisher.Progress progress) throws IOException {
    ImageReference target;
    try {
      target = ImageReference.parse(reference);
    } catch (InvalidImageReferenceException e) {
      throw new ApkimgException("invalid image reference to push to: '" + reference + "'");
    }
    if (target.getDigest().isPresent()) {
      throw new ApkimgException("cannot push to " + reference + ": give a tag, not a digest");
    }
    String registry = target.getRegistry();
    Optional<RegistryCredentials.Found> found = outputs.credentials().find(target);
    String who = found.map(f -> " as " + f).orElse(" without credentials");
    boolean insecure = outputs.allowInsecureRegistries();
    checkReachable(registry, reference, insecure);
    String repository = target.getRepository();
    PushedBlobs record = PushedBlobs.load(cacheDir, registry);
    Set<String> blobs = new LinkedHashSet<>();
    for (PlatformImage image : images) {
      image.layers().forEach(l -> blobs.add(l.digest()));
      blobs.add(image.configDigest());
    }
    String tag = target.getTag().orElse("latest");
    try {
      // A token registry grants a mount only with pull access to its source, asked for with the
      // push scope (jib asks again for the push scope alone if the token server refuses that).
      RegistryRetries retries = new RegistryRetries(reference, progress);
      RegistryClient client = authenticated(registry, repository,
          record.commonSource(blobs, repository).orElse(null), found, insecure, retries);
      BlobCounter counter = new BlobCounter(repository, record, reference, progress, retries);
      for (PlatformImage image : images) {
        for (PlatformImage.Layer layer : image.layers()) {
          counter.push(client, layer.digest(), layer.size(), Blobs.from(out -> {
            try (java.io.InputStream in = layer.open()) {
              in.transferTo(out);
            }
          }, true));
        }
        byte[] config = image.configJson();
        counter.push(client, image.configDigest(), config.length, Blobs.from(out -> out.write(config), true));
        pushManifest(client, image.manifest(), PlatformImage.OCI_MANIFEST,
            index == null ? tag : image.manifestDigest(), image.manifestDigest());
      }
      if (index != null) {
        pushManifest(client, index, ImagePublisher.OCI_INDEX, tag, PlatformImage.digest(index));
      }
      PushReport.Referrers listing = null;
      if (!referrers.isEmpty()) {
        listing = pushReferrers(client, registry, repository, referrers,
            new BlobCounter(repository, record, reference, progress, retries), found.map(RegistryCredentials.Found::credential),
            insecure);
      }
      record.record(repository, blobs);
      record.save();
      return counter.report(reference).withReferrers(listing);
    } catch (RegistryUnauthorizedException e) {
      throw new ApkimgException("registry " + registry + " refused the push to "
          + target.getRepository() + who + " (unauthorized): check the user name and password");
    } catch (RegistryException e) {
      throw new ApkimgException("cannot push to " + reference + who + ": " + oneLine(e));
    } catch (IOException e) {
      if (e instanceof InterruptedIOException) {
        throw e;
      }
      throw new ApkimgException("cannot push to " + reference + ": " + oneLine(e)
          + (insecure ? "" : "; a registry on plain HTTP must be allowed explicitly"),
          insecure ? null : Hint.ALLOW_INSECURE_REGISTRY, e);
    }
  }

  /** A client for pushes to {@code repository}, its authorization settled (and pulls from {@code source}, if any). */
  private static RegistryClient authenticated(String registry, String repository, String source,
      Optional<RegistryCredentials.Found> found, boolean insecure, RegistryRetries retries)
      throws IOException, RegistryException {
    EventHandlers events = EventHandlers.builder().add(LogEvent.class, RootfsImage::log).build();
    RegistryClient client = RegistryClient.factory(events, registry, repository, source,
            new FailoverHttpClient(insecure, insecure, retries))
        .setCredential(found.map(RegistryCredentials.Found::credential).orElse(null))
        .setUserAgent("apkimg")
        .newRegistryClient();
    // Token registries answer the push scope here; basic-auth ones (htpasswd) say "Basic".
    if (!client.doPushBearerAuth() && found.isPresent()) {
      client.configureBasicAuth();
    }
    return client;
  }

  /**
   * jib retries a failed connection with backoff for about a minute, so a registry that nobody
   * answers at (a closed port, a wrong host, a black hole) is found out here first, within
   * {@link #REGISTRY_CONNECT_TIMEOUT_MILLIS}. Skipped behind a proxy, which jib goes through.
   */
  static void checkReachable(String registry, String reference, boolean insecure) {
    if (System.getProperty("https.proxyHost") != null || System.getProperty("http.proxyHost") != null) {
      return;
    }
    String host = registry;
    List<Integer> ports = insecure ? List.of(443, 80) : List.of(443);
    int colon = registry.lastIndexOf(':');
    if (colon > registry.lastIndexOf(']')) {
      host = registry.substring(0, colon);
      try {
        ports = List.of(Integer.parseInt(registry.substring(colon + 1)));
      } catch (NumberFormatException e) {
        throw new ApkimgException("invalid registry port in '" + reference + "'");
      }
    }
    host = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    String reason = "";
    for (int port : ports) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(host, port), REGISTRY_CONNECT_TIMEOUT_MILLIS);
        if (!insecure) {
          checkTls(socket, host, port, registry, reference);
        }
        return;
      } catch (UnknownHostException e) {
        throw new ApkimgException("cannot push to " + reference + ": unknown registry host '" + host
            + "': check the image reference");
      } catch (SocketTimeoutException e) {
        reason = "no answer within " + REGISTRY_CONNECT_TIMEOUT_MILLIS / 1000 + " s";
      } catch (IOException e) {
        reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      }
    }
    throw new ApkimgException("cannot push to " + reference + ": nothing answers at " + registry
        + (colon > registry.lastIndexOf(']') ? "" : " (port " + ports.stream().map(String::valueOf)
            .reduce((a, b) -> a + " or " + b).orElse("") + ")")
        + ": " + reason + "; check that the registry is running and the host and port are right");
  }

  /** jib retries a failed TLS handshake for a minute too: a registry on plain HTTP, an untrusted certificate. */
  private static void checkTls(Socket socket, String host, int port, String registry, String reference) {
    try {
      socket.setSoTimeout(REGISTRY_CONNECT_TIMEOUT_MILLIS);
      SSLSocketFactory factory = (SSLSocketFactory) SSLSocketFactory.getDefault();
      try (SSLSocket tls = (SSLSocket) factory.createSocket(socket, host, port, false)) {
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        tls.setSSLParameters(parameters);
        tls.startHandshake();
      }
    } catch (IOException e) {
      String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
      throw new ApkimgException("cannot push to " + reference + ": no trusted TLS connection to " + registry + " ("
          + reason + "); a registry on plain HTTP or with an untrusted certificate must be allowed explicitly",
          Hint.ALLOW_INSECURE_REGISTRY);
    }
  }

  /**
   * Pushes the blobs of one push, each once, and counts what became of them: already in the
   * repository (a HEAD answers), mounted from another repository, or uploaded.
   */
  static final class BlobCounter {
    private final String repository;
    private final PushedBlobs record;
    private final Set<String> done = new HashSet<>();
    private final String reference;
    private final ImagePublisher.Progress progress;
    private final RegistryRetries retries;
    private int uploaded;
    private long uploadedBytes;
    private int reused;
    private int mounted;

    BlobCounter(String repository, PushedBlobs record, String reference, ImagePublisher.Progress progress,
        RegistryRetries retries) {
      this.repository = repository;
      this.record = record;
      this.reference = reference;
      this.progress = progress;
      this.retries = retries;
    }

    void push(RegistryClient client, String digest, long size, Blob blob) throws IOException, RegistryException {
      if (!done.add(digest)) {
        return;
      }
      retries.blob(digest, size);
      try {
        pushOnce(client, digest, size, blob);
      } finally {
        retries.blobDone();
      }
    }

    private void pushOnce(RegistryClient client, String digest, long size, Blob blob)
        throws IOException, RegistryException {
      DescriptorDigest d = descriptorDigest(digest);
      if (client.checkBlob(d).isPresent()) {
        reused++;
        progress.blobPushed(reference, digest, size, ImagePublisher.BlobTransfer.EXISTS);
        return;
      }
      Optional<String> source = record.sourceFor(digest, repository);
      if (source.isPresent()) {
        try {
          // 201: mounted; 202: the registry would not, and jib uploads to the session it opened.
          Sent sent = new Sent(digest, size);
          counted(client.pushBlob(d, blob, source.get(), sent), true, size, sent, digest);
          return;
        } catch (RegistryException | IOException e) {
          if (e instanceof InterruptedIOException) {
            throw (InterruptedIOException) e;
          }
          // A registry that answers a mount with an error (not the 202 the spec asks for) gets the upload.
          RootfsImage.log(LogEvent.debug("mount of " + digest + " from " + source.get() + " refused: " + oneLine(e)));
        }
      }
      Sent sent = new Sent(digest, size);
      counted(client.pushBlob(d, blob, null, sent), false, size, sent, digest);
    }

    /** {@code skipped}: jib found the blob there after all (a mount, or a registry that had it). */
    private void counted(boolean skipped, boolean mount, long size, Sent sent, String digest) {
      if (!skipped) {
        uploaded++;
        uploadedBytes += size;
        sent.end();
        progress.blobPushed(reference, digest, size, ImagePublisher.BlobTransfer.UPLOADED);
      } else if (mount) {
        mounted++;
        progress.blobPushed(reference, digest, size, ImagePublisher.BlobTransfer.MOUNTED);
      } else {
        reused++;
        progress.blobPushed(reference, digest, size, ImagePublisher.BlobTransfer.EXISTS);
      }
    }

    /** jib's count of the bytes written of one upload (each write's), as throttled progress reports. */
    private final class Sent implements java.util.function.Consumer<Long> {
      private final String digest;
      private final long size;
      private final ProgressThrottle<Long> throttle = ProgressThrottle.forEvents();
      private long bytes;

      Sent(String digest, long size) {
        this.digest = digest;
        this.size = size;
      }

      @Override
      public void accept(Long written) {
        bytes += written;
        long now = Math.min(bytes, size); // a retried request sends its bytes again
        throttle.maybe(now, n -> progress.blobPushing(reference, digest, n, size));
      }

      void end() {
        long now = Math.min(bytes, size);
        throttle.last(now, n -> progress.blobPushing(reference, digest, n, size));
      }
    }

    PushReport report(String reference) {
      return new PushReport(reference, uploaded, uploadedBytes, reused, mounted);
    }
  }

  /**
   * Each referrer's blobs (the empty configuration, the document) and manifest by digest, after the
   * images they are attached to; then, per subject, the registry's referrers API is asked whether it
   * lists them (the OCI distribution spec 1.1's registries index a manifest's {@code subject} as it is
   * pushed). Where it does, that is all; where the registry has no referrers API (404), the referrers
   * tag index gets them added, as the spec's fallback has it.
   *
   * <p>The spec's own signal is the {@code OCI-Subject} header of the manifest PUT, which jib's client
   * does not pass on; asking the API afterwards is what a reader does too ({@code apkimg sbom}, {@code
   * oras discover}), so the tag is kept exactly where a reader would need it.
   *
   * @return how the registry lists them: {@code TAG} when any subject needed the tag
   */
  private static PushReport.Referrers pushReferrers(RegistryClient client, String registry, String repository,
      List<Referrer> referrers, BlobCounter counter, Optional<com.google.cloud.tools.jib.api.Credential> credential,
      boolean insecure) throws IOException, RegistryException {
    Map<String, List<Referrer>> bySubject = new LinkedHashMap<>();
    for (Referrer referrer : referrers) {
      counter.push(client, PlatformImage.digest(Referrer.EMPTY), Referrer.EMPTY.length,
          Blobs.from(out -> out.write(Referrer.EMPTY), true));
      byte[] content = referrer.content();
      counter.push(client, referrer.contentDigest(), content.length, Blobs.from(out -> out.write(content), true));
      pushManifest(client, referrer.manifest(), PlatformImage.OCI_MANIFEST, referrer.manifestDigest(),
          referrer.manifestDigest());
      bySubject.computeIfAbsent(referrer.subjectDigest(), s -> new ArrayList<>()).add(referrer);
    }
    RegistryStore store = RegistryStore.forRepository(registry, repository, credential, insecure);
    boolean tagged = false;
    for (Map.Entry<String, List<Referrer>> subject : bySubject.entrySet()) {
      if (listedByApi(store, registry, subject.getKey(), subject.getValue())) {
        continue;
      }
      tagged = true;
      String tag = ReferrersTagIndex.tag(subject.getKey());
      Optional<byte[]> existing;
      try {
        existing = ReferrersTagIndex.fetch(store, tag);
      } catch (InterruptedIOException e) {
        throw e;
      } catch (IOException e) {
        // The image and the referrers are pushed; only their listing under the tag is missing.
        throw new ApkimgException("pushed the image and its SBOMs to " + registry + "/" + repository
            + " but cannot read the referrers tag " + tag + ": " + oneLine(e) + "; push again, or push without attaching the SBOMs", e);
      }
      byte[] merged;
      try {
        merged = ReferrersTagIndex.merge(existing.orElse(null), ReferrersTagIndex.descriptors(subject.getValue()));
      } catch (IOException e) {
        throw new IOException("cannot add the SBOMs to the referrers tag " + tag + ": " + e.getMessage()
            + "; delete that tag, or push without attaching the SBOMs", e);
      }
      if (existing.isEmpty() || !Arrays.equals(existing.get(), merged)) {
        pushManifest(client, merged, ImagePublisher.OCI_INDEX, tag, PlatformImage.digest(merged));
      }
    }
    return tagged ? PushReport.Referrers.TAG : PushReport.Referrers.API;
  }

  /**
   * Whether the referrers API of the registry lists every one of {@code referrers} (just pushed) for {@code
   * subject}: false when it has no such API, when it answers anything but a referrers list (a registry that
   * does not know the path may say 400 or worse), and when it answers without them (a registry that lists
   * referrers later, or not those it was sent). The tag is kept then, which the spec allows any client.
   */
  private static boolean listedByApi(RegistryStore store, String registry, String subject, List<Referrer> referrers)
      throws IOException {
    Optional<List<JsonNode>> listed;
    try {
      listed = store.referrersFromApi(subject);
    } catch (InterruptedIOException e) {
      throw e;
    } catch (IOException e) {
      RootfsImage.log(LogEvent.debug("the referrers API of " + registry + " did not answer with a list: "
          + oneLine(e) + "; the referrers tag lists the SBOMs"));
      return false;
    }
    if (listed.isEmpty()) {
      return false;
    }
    Set<String> digests = new HashSet<>();
    listed.get().forEach(entry -> digests.add(entry.path("digest").asText()));
    boolean all = referrers.stream().allMatch(r -> digests.contains(r.manifestDigest()));
    if (!all) {
      RootfsImage.log(LogEvent.debug("the referrers API of " + registry + " does not list the SBOMs of " + subject
          + " just pushed; the referrers tag lists them"));
    }
    return all;
  }

  private static void pushManifest(RegistryClient client, byte[] bytes, String mediaType,
      String tagOrDigest, String expected) throws IOException, RegistryException {
    DescriptorDigest pushed = client.pushManifest(new RawManifest(bytes, mediaType), tagOrDigest);
    if (!pushed.toString().equals(expected)) {
      throw new IOException("pushed manifest has digest " + pushed + ", expected " + expected);
    }
  }

  private static DescriptorDigest descriptorDigest(String digest) throws IOException {
    try {
      return DescriptorDigest.fromDigest(digest);
    } catch (DigestException e) {
      throw new IOException("invalid digest " + digest, e);
    }
  }

  static String oneLine(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        return t.getMessage().lines().findFirst().orElse("").strip();
      }
    }
    return e.getClass().getSimpleName();
  }
}
