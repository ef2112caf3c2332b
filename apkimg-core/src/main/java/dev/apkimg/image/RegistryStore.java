package dev.apkimg.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.ImageReference;
import dev.apkimg.ApkimgException;
import dev.apkimg.Hint;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A registry, read over HTTP as the OCI distribution spec 1.1 says: the image by tag or digest, its
 * referrers from the referrers API ({@code GET /v2/NAME/referrers/DIGEST}) where the registry has it,
 * else from the referrers tag schema ({@code sha256-HEX}, {@link ReferrersTagIndex}), the artifacts'
 * manifests and blobs by digest. Authentication as docker does it: anonymous first; on a 401 either
 * Basic credentials, or a Bearer token from the challenge's realm (with the credentials, if any). The
 * credentials go over HTTPS only, unless insecure registries are allowed (then plain HTTP, and HTTPS
 * with a certificate that is not checked, as a push allows them); redirects (blob storage) are
 * followed without them when they leave the registry's origin.
 */
final class RegistryStore implements ArtifactStore {
  private static final String ACCEPT_MANIFESTS = String.join(", ", ImagePublisher.OCI_INDEX, PlatformImage.OCI_MANIFEST,
      "application/vnd.docker.distribution.manifest.list.v2+json",
      "application/vnd.docker.distribution.manifest.v2+json");
  private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);
  /** Answers that say a registry has no referrers API (404 is the spec's; some say 405 or 501). */
  private static final Set<Integer> NO_REFERRERS_API = Set.of(404, 405, 501);
  private static final int MAX_REDIRECTS = 5;
  private static final int MAX_PAGES = 64;
  private static final Pattern CHALLENGE_PARAM = Pattern.compile("([A-Za-z_]+)=(?:\"([^\"]*)\"|([^,\\s]*))");
  private static final Pattern LINK_NEXT = Pattern.compile("<([^>]+)>\\s*;\\s*rel=\"?next\"?");

  private final String reference;
  private final ImageReference image;
  private final Optional<RegistryCredentials.Found> found;
  private final boolean insecure;
  private final HttpClient http;
  private final Duration timeout;
  private String scheme;
  private String authorization;
  private boolean referrersApi;

  private RegistryStore(String reference, ImageReference image, Optional<RegistryCredentials.Found> found,
      boolean insecure, Duration timeout) {
    this.reference = reference;
    this.image = image;
    this.found = found;
    this.insecure = insecure;
    this.timeout = timeout;
    // The default proxy selector: https.proxyHost and friends, as jib's pushes go through them.
    HttpClient.Builder client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
        .proxy(java.net.ProxySelector.getDefault())
        .connectTimeout(Duration.ofMillis(RegistryPush.REGISTRY_CONNECT_TIMEOUT_MILLIS));
    if (insecure) {
      // As jib's allowInsecureRegistries (what build --push uses): HTTPS with any certificate, self-signed too.
      client.sslContext(UnverifiedTls.CONTEXT);
    }
    this.http = client.build();
  }

  static RegistryStore open(String reference, ImageReference image, RegistryCredentials credentials,
      boolean insecure) {
    return new RegistryStore(reference, image, credentials.find(image), insecure, Duration.ofSeconds(60));
  }

  /**
   * A store for {@code repository} alone, no image named: what a push reads its referrers tag with, so that
   * read gets the same Basic and Bearer token flow as {@code apkimg sbom}.
   */
  static RegistryStore forRepository(String registry, String repository, Optional<Credential> credential,
      boolean insecure) {
    ImageReference image = ImageReference.of(registry, repository, null);
    return new RegistryStore(registry + "/" + repository, image,
        credential.map(c -> new RegistryCredentials.Found(c, "the push's credentials")), insecure, Duration.ofSeconds(60));
  }

  /** The manifest or index tagged {@code tag} (at most {@code max} bytes), or empty when there is none (404). */
  Optional<byte[]> tagged(String tag, String accept, int max) throws IOException {
    Response r = get(path("manifests/" + tag), accept, max);
    if (r.status == 404) {
      return Optional.empty();
    }
    r.expectOk();
    return Optional.of(r.body);
  }

  @Override
  public String name() {
    return "registry " + image.getRegistry();
  }

  @Override
  public String kind() {
    return "registry";
  }

  /** Whether the referrers were listed by the registry's referrers API (else by the tag schema). */
  boolean usedReferrersApi() {
    return referrersApi;
  }

  @Override
  public Top top() throws IOException {
    String tagOrDigest = image.getDigest().orElse(image.getTag().orElse("latest"));
    Response r = get(path("manifests/" + tagOrDigest), ACCEPT_MANIFESTS, MAX_MANIFEST_BYTES);
    if (r.status == 404) {
      throw new IOException(name() + " has no image " + reference + " (HTTP 404): check the name and tag");
    }
    r.expectOk();
    if (image.getDigest().isPresent()) {
      checkedDigest(image.getDigest().get());
      verified(r.body, image.getDigest().get(), -1);
    }
    return new Top(PlatformImage.digest(r.body), r.body);
  }

  @Override
  public byte[] manifest(String digest, long size) throws IOException {
    Response r = get(path("manifests/" + checkedDigest(digest)), ACCEPT_MANIFESTS, MAX_MANIFEST_BYTES);
    r.expectOk();
    return verified(r.body, digest, size);
  }

  @Override
  public byte[] blob(String digest, long size, int max) throws IOException {
    if (size > max) {
      throw new IOException("the blob " + digest + " in " + name() + " is listed with " + size
          + " bytes, more than the " + (max >> 20) + " MiB apkimg reads for it");
    }
    Response r = get(path("blobs/" + checkedDigest(digest)), "*/*", max);
    r.expectOk();
    return verified(r.body, digest, size);
  }

  @Override
  public List<JsonNode> referrers(String subjectDigest) throws IOException {
    Optional<List<JsonNode>> listed = referrersFromApi(subjectDigest);
    if (listed.isPresent()) {
      referrersApi = true;
      return listed.get();
    }
    String tag = ReferrersTagIndex.tag(subjectDigest);
    Response t = get(path("manifests/" + tag), ImagePublisher.OCI_INDEX, ReferrersTagIndex.MAX_INDEX_BYTES);
    if (t.status == 404) {
      return List.of();
    }
    t.expectOk();
    return entries(t.body, "the referrers tag " + tag);
  }

  /**
   * What the referrers API lists for {@code subjectDigest} (every page), or empty when the registry has
   * no referrers API (404, or the 405 or 501 some answer): {@code apkimg sbom} then reads the referrers
   * tag, and a push keeps that tag up to date.
   */
  Optional<List<JsonNode>> referrersFromApi(String subjectDigest) throws IOException {
    checkedDigest(subjectDigest);
    Response r = get(path("referrers/" + subjectDigest), ImagePublisher.OCI_INDEX, MAX_MANIFEST_BYTES);
    if (NO_REFERRERS_API.contains(r.status)) {
      return Optional.empty();
    }
    r.expectOk();
    List<JsonNode> all = new ArrayList<>(entries(r.body, "the referrers list of " + subjectDigest));
    for (int page = 1; page < MAX_PAGES; page++) {
      Optional<URI> next = next(r);
      if (next.isEmpty()) {
        break;
      }
      r = get(next.get(), ImagePublisher.OCI_INDEX, MAX_MANIFEST_BYTES);
      r.expectOk();
      all.addAll(entries(r.body, "the referrers list of " + subjectDigest));
    }
    return Optional.of(all);
  }

  private List<JsonNode> entries(byte[] bytes, String what) throws IOException {
    JsonNode index;
    try {
      index = PlatformImage.JSON.readTree(bytes);
    } catch (IOException e) {
      throw new IOException(what + " in " + name() + " is not JSON: " + RegistryPush.oneLine(e), e);
    }
    if (index == null || !index.path("manifests").isArray()) {
      throw new IOException(what + " in " + name() + " is not an OCI image index");
    }
    List<JsonNode> entries = new ArrayList<>();
    index.path("manifests").forEach(entries::add);
    return entries;
  }

  /** The next page of a referrers list ({@code Link: <...>; rel="next"}), on the registry's own origin. */
  private Optional<URI> next(Response r) throws IOException {
    Optional<String> link = r.headers.firstValue("Link");
    if (link.isEmpty()) {
      return Optional.empty();
    }
    Matcher m = LINK_NEXT.matcher(link.get());
    if (!m.find()) {
      return Optional.empty();
    }
    URI next = r.uri.resolve(m.group(1));
    if (!sameOrigin(next, r.uri)) {
      throw new IOException(name() + " points the next page of a referrers list elsewhere (" + next + ")");
    }
    return Optional.of(next);
  }

  private URI path(String rest) throws IOException {
    return URI.create(base() + "/v2/" + image.getRepository() + "/" + rest);
  }

  private String base() throws IOException {
    if (scheme == null) {
      scheme = "https";
      if (insecure) {
        // Plain HTTP is allowed: ask it first (anonymously) whether it speaks HTTP at all. An HTTPS port
        // answers plain HTTP with 400 (Go's and nginx's servers) or not at all; then HTTPS it is.
        try {
          HttpRequest ping = HttpRequest.newBuilder(URI.create("http://" + image.getRegistry() + "/v2/"))
              .timeout(Duration.ofMillis(RegistryPush.REGISTRY_CONNECT_TIMEOUT_MILLIS))
              .header("User-Agent", "apkimg").GET().build();
          if (http.send(ping, HttpResponse.BodyHandlers.discarding()).statusCode() != 400) {
            scheme = "http";
          }
        } catch (InterruptedIOException e) {
          throw e;
        } catch (IOException e) {
          // Not HTTP: HTTPS, whose failure the first real request reports.
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted");
        }
      }
    }
    return scheme + "://" + image.getRegistry();
  }

  /** Nothing answered over HTTP(S) at all: a wrong host or port, a registry on plain HTTP, a certificate. */
  static final class UnreachableException extends IOException {
    private final boolean tls;

    UnreachableException(String message, IOException cause, boolean tls) {
      super(message, cause);
      this.tls = tls;
    }

    /** Whether a TLS handshake failed (a registry on plain HTTP, an untrusted certificate), not the connection. */
    boolean tls() {
      return tls;
    }
  }

  /** One answer, its body read (at most {@code max} bytes) when it is a 200. */
  private final class Response {
    final URI uri;
    final int status;
    final HttpHeaders headers;
    final byte[] body;

    Response(URI uri, int status, HttpHeaders headers, byte[] body) {
      this.uri = uri;
      this.status = status;
      this.headers = headers;
      this.body = body;
    }

    void expectOk() throws IOException {
      if (status == 200) {
        return;
      }
      String path = uri.getPath();
      if (status == 401 || status == 403) {
        throw new IOException(name() + " refused to let " + found.map(f -> f.toString()).orElse("anonymous users")
            + " read " + image.getRepository() + " (HTTP " + status + " for " + path + "): "
            + (found.isPresent() ? "check the user name and password" : "log in to it (docker login) or give a user name and password"));
      }
      throw new IOException(name() + " answered HTTP " + status + " for GET " + path);
    }
  }

  private Response get(URI uri, String accept, int max) throws IOException {
    URI current = uri;
    boolean authenticated = false;
    for (int redirects = 0; ; ) {
      HttpRequest.Builder request = HttpRequest.newBuilder(current).timeout(timeout)
          .header("User-Agent", "apkimg").header("Accept", accept).GET();
      if (authorization != null && sameOrigin(current, uri)) {
        request.header("Authorization", authorization);
      }
      HttpResponse<InputStream> response;
      try {
        response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while reading " + current);
      } catch (InterruptedIOException e) {
        throw e;
      } catch (IOException e) {
        boolean tls = false;
        for (Throwable t = e; t != null; t = t.getCause()) {
          tls |= t instanceof javax.net.ssl.SSLException;
        }
        throw new UnreachableException(tls
            ? "no trusted TLS connection to " + current.getAuthority() + " (" + RegistryPush.oneLine(e) + ")"
            : "nothing answers at " + current.getScheme() + "://" + current.getAuthority() + " ("
                + RegistryPush.oneLine(e) + "); check that the registry is running and the host and port are right",
            e, tls);
      }
      try (InputStream body = response.body()) {
        int status = response.statusCode();
        if (status == 401 && !authenticated && sameOrigin(current, uri)) {
          authenticated = true;
          if (authenticate(response.headers())) {
            continue;
          }
        }
        if (REDIRECTS.contains(status)) {
          if (++redirects > MAX_REDIRECTS) {
            throw new IOException(name() + " redirected GET " + uri.getPath() + " more than " + MAX_REDIRECTS + " times");
          }
          current = redirect(current, response.headers().firstValue("Location"));
          continue;
        }
        if (status != 200) {
          return new Response(current, status, response.headers(), null);
        }
        byte[] bytes = body.readNBytes(max + 1);
        if (bytes.length > max) {
          throw new IOException(name() + " sent more than " + (max >> 20) + " MiB for " + uri.getPath()
              + ", more than apkimg reads for it");
        }
        return new Response(current, status, response.headers(), bytes);
      }
    }
  }

  private URI redirect(URI current, Optional<String> location) throws IOException {
    if (location.isEmpty() || location.get().isBlank()) {
      throw new IOException(name() + " sent a redirect without a Location for " + current.getPath());
    }
    URI target;
    try {
      target = current.resolve(location.get().strip());
    } catch (IllegalArgumentException e) {
      throw new IOException(name() + " redirected to an invalid URL", e);
    }
    String s = target.getScheme() == null ? "" : target.getScheme().toLowerCase(Locale.ROOT);
    if (!(s.equals("https") || s.equals("http")) || target.getHost() == null
        || (s.equals("http") && current.getScheme().equalsIgnoreCase("https"))) {
      throw new IOException(name() + " redirected " + current.getPath() + " to " + ArtifactStore.clip(target.toString())
          + ", which apkimg does not follow (only http(s), never from https to http)");
    }
    return target;
  }

  /**
   * Settles {@link #authorization} from a 401's challenge; false when there is nothing to try (no
   * credentials for Basic, no challenge apkimg knows).
   */
  private boolean authenticate(HttpHeaders headers) throws IOException {
    Optional<String> challenge = headers.firstValue("WWW-Authenticate");
    if (challenge.isEmpty()) {
      return false;
    }
    String c = challenge.get().strip();
    String schemeName = c.split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
    Optional<Credential> credential = found.map(RegistryCredentials.Found::credential);
    if (schemeName.equals("basic")) {
      if (credential.isEmpty() || credential.get().isOAuth2RefreshToken()) {
        return false;
      }
      checkCredentialsMayGo(URI.create(base()));
      authorization = basic(credential.get());
      return true;
    }
    if (!schemeName.equals("bearer")) {
      return false;
    }
    Map<String, String> params = new LinkedHashMap<>();
    Matcher m = CHALLENGE_PARAM.matcher(c.substring(schemeName.length()));
    while (m.find()) {
      params.put(m.group(1).toLowerCase(Locale.ROOT), m.group(2) != null ? m.group(2) : m.group(3));
    }
    String realm = params.get("realm");
    if (realm == null || realm.isBlank()) {
      throw new IOException(name() + " asked for a Bearer token without naming where to get one (no realm)");
    }
    StringBuilder query = new StringBuilder();
    if (params.containsKey("service")) {
      query.append("service=").append(URLEncoder.encode(params.get("service"), StandardCharsets.UTF_8));
    }
    String scope = params.getOrDefault("scope", "repository:" + image.getRepository() + ":pull");
    query.append(query.length() > 0 ? "&" : "").append("scope=").append(URLEncoder.encode(scope, StandardCharsets.UTF_8));
    URI token;
    try {
      URI r = URI.create(realm);
      token = URI.create(r + (r.getRawQuery() == null ? "?" : "&") + query);
    } catch (IllegalArgumentException e) {
      throw new IOException(name() + " names an invalid token realm '" + ArtifactStore.clip(realm) + "'", e);
    }
    String s = token.getScheme() == null ? "" : token.getScheme().toLowerCase(Locale.ROOT);
    if (!(s.equals("https") || s.equals("http")) || token.getHost() == null) {
      throw new IOException(name() + " names a token realm that is not an http(s) URL: " + ArtifactStore.clip(realm));
    }
    HttpRequest.Builder request = HttpRequest.newBuilder(token).timeout(timeout).header("User-Agent", "apkimg").GET();
    if (credential.isPresent() && !credential.get().isOAuth2RefreshToken()) {
      checkCredentialsMayGo(token);
      request.header("Authorization", basic(credential.get()));
    }
    HttpResponse<InputStream> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while asking " + token.getHost() + " for a token");
    }
    byte[] body;
    try (InputStream in = response.body()) {
      if (response.statusCode() != 200) {
        throw new IOException("the token server " + token.getHost() + " of " + name() + " refused "
            + found.map(Object::toString).orElse("anonymous access") + " to " + image.getRepository()
            + " (HTTP " + response.statusCode() + ")" + (found.isPresent() ? ": check the user name and password"
                : ": log in to it (docker login) or give a user name and password"));
      }
      body = in.readNBytes(MAX_MANIFEST_BYTES + 1);
    }
    JsonNode json = body.length > MAX_MANIFEST_BYTES ? null : PlatformImage.JSON.readTree(body);
    String value = json == null ? "" : json.path("token").asText(json.path("access_token").asText(""));
    if (!value.matches("[\\x21-\\x7e]{1,16384}")) {
      throw new IOException("the token server " + token.getHost() + " of " + name() + " sent no usable token");
    }
    authorization = "Bearer " + value;
    return true;
  }

  /** Credentials go over HTTPS, or anywhere once insecure registries are allowed (as a push sends them). */
  private void checkCredentialsMayGo(URI to) {
    if (!insecure && !"https".equalsIgnoreCase(to.getScheme())) {
      throw new ApkimgException(name() + " asks for credentials over plain HTTP (" + to.getHost()
          + "); they are sent there only when insecure registries are allowed", Hint.ALLOW_INSECURE_REGISTRY);
    }
  }

  private static String basic(Credential c) {
    return "Basic " + Base64.getEncoder().encodeToString((c.getUsername() + ":" + c.getPassword())
        .getBytes(StandardCharsets.UTF_8));
  }

  private static boolean sameOrigin(URI a, URI b) {
    return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost())
        && port(a) == port(b);
  }

  private static int port(URI u) {
    return u.getPort() >= 0 ? u.getPort() : u.getScheme().equalsIgnoreCase("https") ? 443 : 80;
  }

  @Override
  public void close() {
    // HttpClient has no close before Java 21; its threads end with the process.
  }
}
