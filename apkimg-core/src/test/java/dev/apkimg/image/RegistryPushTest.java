package dev.apkimg.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.apkimg.api.Outputs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a push sends and how it is counted, against a small registry on loopback that keeps blobs
 * per repository as the distribution spec has it (a blob pushed to one repository is not in
 * another until it is uploaded or mounted there), checks every upload's digest, and logs every
 * request: blobs a repository has are reused, blobs another repository has are mounted from it
 * when the cache's record says so, everything else is uploaded, and a refused mount is uploaded.
 */
class RegistryPushTest {
  @TempDir Path tmp;

  private Registry registry;
  private Path cache;
  private PlatformImage base;
  private PlatformImage plus;

  @BeforeEach
  void setUp() throws Exception {
    registry = new Registry();
    cache = tmp.resolve("cache");
    Path p1 = layer("p1", "musl");
    Path p2 = layer("p2", "busybox");
    Path p3 = layer("p3", "alpine-keys");
    base = image(List.of(p1, p2), layer("top1", "apk db of base"));
    plus = image(List.of(p1, p2, p3), layer("top2", "apk db of plus"));
  }

  @AfterEach
  void stop() {
    registry.stop();
  }

  @Test
  void firstPushUploadsEveryBlobAndTheSecondToTheSameRepositoryReusesThem() throws Exception {
    PushReport first = push(base, "img/base:1");
    assertThat(first).isEqualTo(new PushReport(ref("img/base:1"), 4, blobBytes(base), 0, 0));
    assertThat(registry.uploads()).hasSize(4);

    registry.requests.clear();
    PushReport again = push(base, "img/base:2");
    assertThat(again).isEqualTo(new PushReport(ref("img/base:2"), 0, 0, 4, 0));
    assertThat(registry.uploads()).isEmpty();

    registry.requests.clear();
    PushReport second = push(plus, "img/base:plus");
    // p3, the top layer and the configuration are new; p1 and p2 are there.
    long newBytes = plus.layers().get(2).size() + plus.layers().get(3).size() + plus.configJson().length;
    assertThat(second).isEqualTo(new PushReport(ref("img/base:plus"), 3, newBytes, 2, 0));
    assertThat(registry.uploads()).hasSize(3);
    assertThat(second.summary()).isEqualTo("3 blobs uploaded (" + newBytes + " bytes), 2 already there, "
        + "0 mounted from another repository");
  }

  @Test
  void anotherRepositoryOfTheRegistryMountsTheSharedBlobsFromTheFirst() throws Exception {
    push(base, "team/base:1");
    registry.requests.clear();

    PushReport report = push(plus, "team/plus:1");

    long newBytes = plus.layers().get(2).size() + plus.layers().get(3).size() + plus.configJson().length;
    assertThat(report).isEqualTo(new PushReport(ref("team/plus:1"), 3, newBytes, 0, 2));
    assertThat(registry.uploads()).hasSize(3);
    assertThat(registry.mounts()).containsExactlyInAnyOrder(
        "mount=" + plus.layers().get(0).digest() + "&from=team/base",
        "mount=" + plus.layers().get(1).digest() + "&from=team/base");
    assertThat(registry.repositories.get("team/plus")).contains(plus.layers().get(0).digest());
    // The record: one file named by the registry's hash, in a fixed form.
    try (Stream<Path> files = Files.list(cache.resolve("pushed"))) {
      assertThat(files.map(f -> f.getFileName().toString()).toList())
          .containsExactly(PushedBlobs.fileName(registry.name));
    }
  }

  @Test
  void withoutACacheNothingIsMountedAndEverythingTheRepositoryLacksIsUploaded() throws Exception {
    RegistryPush.push(List.of(base), null, ref("solo/base:1"), outputs(), null);
    PushReport report = RegistryPush.push(List.of(plus), null, ref("solo/plus:1"), outputs(), null);
    assertThat(report.uploaded()).isEqualTo(5);
    assertThat(report.mounted()).isZero();
    assertThat(registry.mounts()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(ints = {202, 403, 404})
  void aMountTheRegistryRefusesIsUploaded(int answer) throws Exception {
    push(base, "team/base:1");
    registry.mountAnswer = answer;
    registry.requests.clear();

    PushReport report = push(plus, "team/plus:1");

    assertThat(report.uploaded()).isEqualTo(5);
    assertThat(report.mounted()).isZero();
    assertThat(registry.mounts()).hasSize(2);
    assertThat(registry.uploads()).hasSize(5);
    assertThat(registry.repositories.get("team/plus")).containsAll(blobs(plus));
  }

  @Test
  void aTokenRegistryIsAskedForPullsFromTheMountSourceAndAPushStillWorksWhenItRefuses() throws Exception {
    push(base, "team/base:1");
    registry.tokenAuth = true;
    registry.requests.clear();

    PushReport report = push(plus, "team/plus:1");

    List<String> tokens = registry.requests.stream().filter(r -> r.startsWith("GET /token")).toList();
    assertThat(tokens).hasSizeGreaterThanOrEqualTo(2);
    assertThat(tokens.get(0)).contains("team/base:pull");
    assertThat(tokens.get(tokens.size() - 1)).doesNotContain("team/base");
    assertThat(report.uploaded() + report.mounted()).isEqualTo(5);
    assertThat(registry.repositories.get("team/plus")).containsAll(blobs(plus));
  }

  @Test
  void aRecordNamingRepositoriesThatAreNotNamesIsNotUsed() throws Exception {
    Path file = cache.resolve("pushed").resolve(PushedBlobs.fileName(registry.name));
    Files.createDirectories(file.getParent());
    String p1 = base.layers().get(0).digest();
    String p2 = base.layers().get(1).digest();
    Files.writeString(file, PushedBlobs.MAGIC + "\nregistry " + registry.name + "\n"
        + p1 + " ../../etc\n" + p2 + " Team/Base\n" + base.configDigest() + " team/base?x=1\n"
        + base.layers().get(2).digest() + " hostile/one\n");

    PushReport report = push(base, "hostile/one:1");

    // No mount from a name that is not a repository's, none from the target itself.
    assertThat(registry.mounts()).isEmpty();
    assertThat(report.uploaded()).isEqualTo(4);
    assertThat(Files.readString(file)).doesNotContain("../", "Team/Base", "?x=1");
  }

  @Test
  void aForgedRecordCostsAnUploadAtMost() throws Exception {
    push(base, "team/base:1");
    // Claims team/base holds plus's new blobs: the registry says no (202), they are uploaded.
    Path file = cache.resolve("pushed").resolve(PushedBlobs.fileName(registry.name));
    StringBuilder forged = new StringBuilder(Files.readString(file));
    for (String digest : blobs(plus)) {
      forged.append(digest).append(" team/base\n");
    }
    Files.writeString(file, forged);
    registry.requests.clear();

    PushReport report = push(plus, "team/plus:1");

    assertThat(report.mounted()).isEqualTo(2);
    assertThat(report.uploaded()).isEqualTo(3);
    assertThat(registry.mounts()).hasSize(5);
    assertThat(registry.repositories.get("team/plus")).containsAll(blobs(plus));
  }

  // ---- referrers: the API where the registry has it, the tag schema where it does not

  private static final String SPDX = "application/spdx+json";
  private static final String CYCLONEDX = "application/vnd.cyclonedx+json";

  private List<Referrer> sboms(PlatformImage image) {
    Map<String, String> created = Map.of(ReferrerReader.CREATED, "2024-05-01T12:00:00Z");
    return List.of(
        Referrer.of(image, SPDX, "{\"spdxVersion\":\"SPDX-2.3\"}\n".getBytes(StandardCharsets.UTF_8), created),
        Referrer.of(image, CYCLONEDX, "{\"bomFormat\":\"CycloneDX\"}\n".getBytes(StandardCharsets.UTF_8), created));
  }

  private PushReport pushWithSboms(PlatformImage image, String repositoryAndTag) throws IOException {
    return RegistryPush.push(List.of(image), null, sboms(image), ref(repositoryAndTag), outputs(), cache);
  }

  private ReferrerReader reader(String repositoryAndTag) {
    return ReferrerReader.open(ref(repositoryAndTag), RegistryCredentials.of(Map.of(), tmp.resolve("home")), true);
  }

  @Test
  void aRegistryWithTheReferrersApiListsTheSbomsAndGetsNoReferrersTag() throws Exception {
    registry.referrersApi = true;

    PushReport report = pushWithSboms(base, "team/app:1");

    assertThat(registry.tags("team/app")).as("the image's tag alone: no sha256-HEX tag").containsExactly("1");
    assertThat(registry.requests).noneMatch(r -> r.startsWith("PUT /v2/team/app/manifests/sha256-"));
    assertThat(report.referrers()).isEqualTo(PushReport.Referrers.API);
    assertThat(registry.requests).contains("GET /v2/team/app/referrers/" + base.manifestDigest());
    try (ReferrerReader reader = reader("team/app:1")) {
      assertThat(reader.list(null)).extracting(ReferrerReader.Attached::artifactType)
          .containsExactlyInAnyOrder(SPDX, CYCLONEDX);
      assertThat(reader.document(null, SPDX, null).bytes()).isEqualTo(sboms(base).get(0).content());
      assertThat(reader.usedReferrersApi()).isTrue();
    }
  }

  @Test
  void anImageIndexAndEachOfItsImagesHaveTheirSbomsListedByTheApiWithoutAnyReferrersTag() throws Exception {
    registry.referrersApi = true;
    List<PlatformImage> images = List.of(base, plus);
    byte[] index = ImagePublisher.index(images, Map.of());
    List<Referrer> referrers = new ArrayList<>(sboms(base));
    referrers.addAll(sboms(plus));
    referrers.add(Referrer.ofIndex(images, Map.of(), SPDX, "{\"name\":\"index\"}\n".getBytes(StandardCharsets.UTF_8),
        Map.of(ReferrerReader.CREATED, "2024-05-01T12:00:00Z")));

    PushReport report = RegistryPush.push(images, index, referrers, ref("team/multi:1"), outputs(), cache);

    assertThat(registry.tags("team/multi")).containsExactly("1");
    assertThat(registry.requests).contains("GET /v2/team/multi/referrers/" + base.manifestDigest(),
        "GET /v2/team/multi/referrers/" + plus.manifestDigest(),
        "GET /v2/team/multi/referrers/" + PlatformImage.digest(index));
    assertThat(report.referrers()).isEqualTo(PushReport.Referrers.API);
  }

  @Test
  void aTokenRegistryWithTheReferrersApiIsAskedWithATokenAndGetsNoReferrersTag() throws Exception {
    registry.referrersApi = true;
    registry.tokenAuth = true;

    PushReport report = pushWithSboms(base, "team/app:1");

    assertThat(registry.tags("team/app")).containsExactly("1");
    assertThat(report.referrers()).isEqualTo(PushReport.Referrers.API);
    assertThat(registry.requests).contains("GET /v2/team/app/referrers/" + base.manifestDigest());
  }

  @Test
  void aRegistryWithoutTheReferrersApiGetsTheReferrersTagAndASecondPushLeavesItAsItWas() throws Exception {
    PushReport report = pushWithSboms(base, "team/app:1");

    String tag = base.manifestDigest().replace(':', '-');
    assertThat(report.referrers()).isEqualTo(PushReport.Referrers.TAG);
    assertThat(registry.tags("team/app")).containsExactlyInAnyOrder("1", tag);
    byte[] index = registry.manifests.get("team/app").get(tag);
    assertThat(PlatformImage.JSON.readTree(index).path("manifests").findValuesAsText("digest"))
        .containsExactlyElementsOf(sboms(base).stream().map(Referrer::manifestDigest).toList());
    try (ReferrerReader reader = reader("team/app:1")) {
      assertThat(reader.document(null, CYCLONEDX, null).bytes()).isEqualTo(sboms(base).get(1).content());
      assertThat(reader.usedReferrersApi()).isFalse();
    }

    registry.requests.clear();
    assertThat(pushWithSboms(base, "team/app:1").referrers()).isEqualTo(PushReport.Referrers.TAG);
    assertThat(registry.requests).noneMatch(r -> r.startsWith("PUT /v2/team/app/manifests/sha256-"));
    assertThat(registry.manifests.get("team/app").get(tag)).isEqualTo(index);
  }

  @Test
  void aReferrersApiThatDoesNotListWhatWasPushedGetsTheReferrersTagToo() throws Exception {
    registry.referrersApi = true;
    registry.referrersListed = false;

    PushReport report = pushWithSboms(base, "team/app:1");

    assertThat(report.referrers()).isEqualTo(PushReport.Referrers.TAG);
    assertThat(registry.tags("team/app")).containsExactlyInAnyOrder("1", base.manifestDigest().replace(':', '-'));
  }

  @ParameterizedTest
  @ValueSource(ints = {400, 405, 500})
  void aRegistryThatAnswersTheReferrersApiWithAnErrorGetsTheReferrersTag(int answer) throws Exception {
    registry.noReferrersApiAnswer = answer;

    PushReport report = pushWithSboms(base, "team/app:1");

    assertThat(report.referrers()).isEqualTo(PushReport.Referrers.TAG);
    assertThat(registry.tags("team/app")).containsExactlyInAnyOrder("1", base.manifestDigest().replace(':', '-'));
  }

  @Test
  void aPushWithoutSbomsSaysNothingAboutReferrersAndAsksNothing() throws Exception {
    registry.referrersApi = true;
    assertThat(push(base, "team/app:1").referrers()).isNull();
    assertThat(registry.requests).noneMatch(r -> r.contains("/referrers/"));
  }

  // ---- progress: each blob's bytes as they are sent, and what became of it

  /** Records a push's blob events as the build's events would carry them. */
  static final class BlobEvents implements ImagePublisher.Progress {
    final List<dev.apkimg.api.BuildEvent> events = new ArrayList<>();

    @Override
    public void pushed(String reference, String digest) {}

    @Override
    public void loaded(String tag, String platform) {}

    @Override
    public void blobPushing(String reference, String digest, long bytes, long size) {
      events.add(new dev.apkimg.api.BuildEvent.BlobPushing(reference, digest, bytes, size));
    }

    @Override
    public void blobPushed(String reference, String digest, long size, ImagePublisher.BlobTransfer transfer) {
      events.add(new dev.apkimg.api.BuildEvent.BlobPushed(reference, digest, size,
          dev.apkimg.api.BuildEvent.BlobPushed.Transfer.valueOf(transfer.name())));
    }

    @Override
    public void retrying(String reference, String message) {
      events.add(new dev.apkimg.api.BuildEvent.Warning(message, null));
    }

    List<dev.apkimg.api.BuildEvent.Warning> warnings() {
      return events.stream().filter(dev.apkimg.api.BuildEvent.Warning.class::isInstance)
          .map(dev.apkimg.api.BuildEvent.Warning.class::cast).toList();
    }

    List<dev.apkimg.api.BuildEvent.BlobPushed> pushed() {
      return events.stream().filter(dev.apkimg.api.BuildEvent.BlobPushed.class::isInstance)
          .map(dev.apkimg.api.BuildEvent.BlobPushed.class::cast).toList();
    }

    List<dev.apkimg.api.BuildEvent.BlobPushing> pushing(String digest) {
      return events.stream().filter(dev.apkimg.api.BuildEvent.BlobPushing.class::isInstance)
          .map(dev.apkimg.api.BuildEvent.BlobPushing.class::cast).filter(e -> e.digest().equals(digest)).toList();
    }
  }

  private static Map<String, Long> blobSizes(PlatformImage image) {
    Map<String, Long> sizes = new java.util.LinkedHashMap<>();
    image.layers().forEach(l -> sizes.put(l.digest(), l.size()));
    sizes.put(image.configDigest(), (long) image.configJson().length);
    return sizes;
  }

  @Test
  void everyBlobIsReportedUploadedWithItsBytesThenAlreadyThereThenMounted() throws Exception {
    dev.apkimg.api.BuildEvent.BlobPushed.Transfer uploaded = dev.apkimg.api.BuildEvent.BlobPushed.Transfer.UPLOADED;
    BlobEvents first = new BlobEvents();
    RegistryPush.push(List.of(base), null, sboms(base), ref("team/base:1"), outputs(), cache, first);
    Map<String, Long> sizes = blobSizes(base);
    for (Referrer r : sboms(base)) {
      sizes.put(PlatformImage.digest(Referrer.EMPTY), (long) Referrer.EMPTY.length);
      sizes.put(r.contentDigest(), (long) r.content().length);
    }
    assertThat(first.pushed()).as("the image's blobs, then the SBOMs' (their empty config once)")
        .containsExactlyElementsOf(sizes.entrySet().stream().map(e -> new dev.apkimg.api.BuildEvent.BlobPushed(
            ref("team/base:1"), e.getKey(), e.getValue(), uploaded)).toList());
    for (Map.Entry<String, Long> blob : sizes.entrySet()) {
      List<dev.apkimg.api.BuildEvent.BlobPushing> bytes = first.pushing(blob.getKey());
      assertThat(bytes).as(blob.getKey()).isNotEmpty().allSatisfy(e -> assertThat(e.size()).isEqualTo(blob.getValue()));
      assertThat(bytes.get(bytes.size() - 1).bytes()).isEqualTo(blob.getValue());
      // Its bytes are reported before it is reported pushed.
      assertThat(first.events.indexOf(bytes.get(bytes.size() - 1)))
          .isLessThan(first.events.indexOf(new dev.apkimg.api.BuildEvent.BlobPushed(ref("team/base:1"), blob.getKey(),
              blob.getValue(), uploaded)));
    }

    BlobEvents again = new BlobEvents();
    RegistryPush.push(List.of(base), null, List.of(), ref("team/base:2"), outputs(), cache, again);
    assertThat(again.events).as("nothing is sent").containsExactlyElementsOf(blobSizes(base).entrySet().stream()
        .map(e -> new dev.apkimg.api.BuildEvent.BlobPushed(ref("team/base:2"), e.getKey(), e.getValue(),
            dev.apkimg.api.BuildEvent.BlobPushed.Transfer.EXISTS)).toList());

    BlobEvents other = new BlobEvents();
    RegistryPush.push(List.of(plus), null, List.of(), ref("team/plus:1"), outputs(), cache, other);
    Map<String, dev.apkimg.api.BuildEvent.BlobPushed.Transfer> how = new HashMap<>();
    other.pushed().forEach(e -> how.put(e.digest(), e.transfer()));
    assertThat(how).containsEntry(plus.layers().get(0).digest(), dev.apkimg.api.BuildEvent.BlobPushed.Transfer.MOUNTED)
        .containsEntry(plus.layers().get(1).digest(), dev.apkimg.api.BuildEvent.BlobPushed.Transfer.MOUNTED)
        .containsEntry(plus.layers().get(2).digest(), uploaded)
        .containsEntry(plus.layers().get(3).digest(), uploaded)
        .containsEntry(plus.configDigest(), uploaded)
        .hasSize(5);
    assertThat(other.pushing(plus.layers().get(0).digest())).as("a mount sends no bytes").isEmpty();
  }

  @Test
  void anUploadWhoseConnectionDropsIsTriedAgainWithOneWarningNamingTheBlobAndTheAttempt() throws Exception {
    registry.dropPatches = 1;
    BlobEvents events = new BlobEvents();
    PushReport report = RegistryPush.push(List.of(base), null, List.of(), ref("team/base:1"), outputs(), cache, events);

    assertThat(report.uploaded()).isEqualTo(4);
    assertThat(registry.repositories.get("team/base")).containsAll(blobs(base));
    String first = base.layers().get(0).digest();
    assertThat(events.warnings()).singleElement().satisfies(w -> assertThat(w.message())
        .startsWith("push to " + ref("team/base:1") + ": PATCH http://" + registry.name + "/v2/team/base/blobs/uploads/")
        .endsWith(" failed while uploading blob " + first + " (" + base.layers().get(0).size()
            + " bytes); trying again (attempt 2)"));
    assertThat(events.warnings().get(0).level()).isEqualTo(dev.apkimg.api.BuildEvent.Level.WARNING);
    assertThat(registry.requests.stream().filter(r -> r.startsWith("PATCH ")).count()).isEqualTo(5);
  }

  @Test
  void aPushWithoutFailuresWarnsOfNothing() throws Exception {
    BlobEvents events = new BlobEvents();
    RegistryPush.push(List.of(base), null, List.of(), ref("team/base:1"), outputs(), cache, events);
    assertThat(events.warnings()).isEmpty();
  }

  // ---- helpers

  private PushReport push(PlatformImage image, String repositoryAndTag) throws IOException {
    return RegistryPush.push(List.of(image), null, ref(repositoryAndTag), outputs(), cache);
  }

  private String ref(String repositoryAndTag) {
    return registry.name + "/" + repositoryAndTag;
  }

  private Outputs outputs() {
    return Outputs.builder().allowInsecureRegistries(true)
        .credentials(RegistryCredentials.of(Map.of(), tmp.resolve("home"))).build();
  }

  private static long blobBytes(PlatformImage image) {
    return image.layers().stream().mapToLong(PlatformImage.Layer::size).sum() + image.configJson().length;
  }

  private static Set<String> blobs(PlatformImage image) {
    Set<String> r = new HashSet<>();
    image.layers().forEach(l -> r.add(l.digest()));
    r.add(image.configDigest());
    return r;
  }

  private Path layer(String name, String content) throws IOException {
    Path file = tmp.resolve(name + ".tar.gz");
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(
        new GzipCompressorOutputStream(Files.newOutputStream(file)))) {
      byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
      TarArchiveEntry e = new TarArchiveEntry("etc/" + name);
      e.setSize(bytes.length);
      e.setMode(0100644);
      tar.putArchiveEntry(e);
      tar.write(bytes);
      tar.closeArchiveEntry();
    }
    return file;
  }

  private PlatformImage image(List<Path> lower, Path top) throws IOException {
    List<LayerBlob> blobs = new ArrayList<>();
    List<String> history = new ArrayList<>();
    for (Path l : lower) {
      blobs.add(LayerBlob.of(l));
      history.add("package " + l.getFileName());
    }
    ImageConfig config = new ImageConfig("linux", "amd64", null, List.of("/bin/sh"), List.of(), Map.of(), "/",
        Instant.parse("2024-05-01T12:00:00Z"));
    RootfsImage rootfs = RootfsImage.create(blobs, history, LayerBlob.of(top), config,
        Files.createTempDirectory(tmp, "work"));
    return PlatformImage.build(rootfs, rootfs.containerBuilder(), Map.of());
  }

  /**
   * Enough of the distribution API for a push, on 127.0.0.1: blobs are linked per repository,
   * uploads are checked against their digest, mounts are answered with {@link #mountAnswer}
   * (201: mounted when the source repository has the blob, else 202 as the spec says).
   */
  static final class Registry {
    final HttpServer server;
    final String name;
    final List<String> requests = new CopyOnWriteArrayList<>();
    final Map<String, Set<String>> repositories = new ConcurrentHashMap<>();
    final Map<String, ByteArrayOutputStream> sessions = new ConcurrentHashMap<>();
    volatile int mountAnswer = 201;
    /** How many blob uploads ({@code PATCH}) to come get their connection closed instead of an answer. */
    volatile int dropPatches;
    /** Manifests pushed, per repository, by tag and by digest. */
    final Map<String, Map<String, byte[]>> manifests = new ConcurrentHashMap<>();
    /** The bytes of every blob uploaded, by digest. */
    final Map<String, byte[]> blobBytes = new ConcurrentHashMap<>();
    /**
     * The referrers API of the distribution spec 1.1: {@code GET /v2/NAME/referrers/DIGEST} lists the
     * manifests pushed with that {@code subject}, and their PUT is answered with {@code OCI-Subject}. Off,
     * the registry answers 404 there, as docker-registry 2.8 does.
     */
    volatile boolean referrersApi;
    /** With {@link #referrersApi}: whether the list names what was pushed (else it answers an empty list). */
    volatile boolean referrersListed = true;
    /** What {@code GET /v2/NAME/referrers/DIGEST} answers when {@link #referrersApi} is off. */
    volatile int noReferrersApiAnswer = 404;
    /** Bearer tokens from {@code /token}, which refuses a scope that asks for pulls from another repository. */
    volatile boolean tokenAuth;
    private static final Pattern BLOB = Pattern.compile("/v2/(.+)/blobs/(sha256:[0-9a-f]{64})");
    private static final Pattern UPLOADS = Pattern.compile("/v2/(.+)/blobs/uploads/([0-9a-f-]*)");
    private static final Pattern MANIFEST = Pattern.compile("/v2/(.+)/manifests/([^/]+)");
    private static final Pattern REFERRERS = Pattern.compile("/v2/(.+)/referrers/(sha256:[0-9a-f]{64})");

    private final ServerSocket front;

    Registry() throws IOException {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.setExecutor(Executors.newFixedThreadPool(4));
      server.createContext("/", this::handle);
      server.start();
      front = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread accept = new Thread(this::accept, "registry-front");
      accept.setDaemon(true);
      accept.start();
      name = "127.0.0.1:" + front.getLocalPort();
    }

    void stop() {
      server.stop(0);
      try {
        front.close();
      } catch (IOException e) {
        // closing a test server
      }
    }

    /**
     * jib tries TLS first on an insecure registry and falls back to plain HTTP when the handshake
     * fails; the JDK's HttpServer would wait for a request line, so a TLS hello is hung up on
     * here, as a plain-HTTP registry's server does, and everything else goes to the HttpServer.
     */
    private void accept() {
      while (!front.isClosed()) {
        try {
          Socket client = front.accept();
          Thread t = new Thread(() -> relay(client), "registry-relay");
          t.setDaemon(true);
          t.start();
        } catch (IOException e) {
          return;
        }
      }
    }

    private void relay(Socket client) {
      try (client; Socket backend = new Socket(InetAddress.getLoopbackAddress(), server.getAddress().getPort())) {
        InputStream in = client.getInputStream();
        int first = in.read();
        if (first < 0 || first == 0x16) {
          return;
        }
        backend.getOutputStream().write(first);
        Thread up = new Thread(() -> copy(in, backend), "registry-up");
        up.setDaemon(true);
        up.start();
        backend.getInputStream().transferTo(client.getOutputStream());
      } catch (IOException e) {
        // a connection ends
      }
    }

    private static void copy(InputStream in, Socket to) {
      try {
        in.transferTo(to.getOutputStream());
        to.shutdownOutput();
      } catch (IOException e) {
        // a connection ends
      }
    }

    /** The blob uploads completed ({@code PUT ...?digest=}). */
    List<String> uploads() {
      return requests.stream().filter(r -> r.startsWith("PUT ") && r.contains("digest=")).toList();
    }

    /** The mounts asked for, as {@code mount=DIGEST&from=REPO}. */
    List<String> mounts() {
      return requests.stream().filter(r -> r.startsWith("POST ") && r.contains("mount="))
          .map(r -> r.substring(r.indexOf('?') + 1)).toList();
    }

    private void handle(HttpExchange ex) throws IOException {
      String method = ex.getRequestMethod();
      String path = ex.getRequestURI().getRawPath();
      String query = ex.getRequestURI().getRawQuery() == null ? ""
          : URLDecoder.decode(ex.getRequestURI().getRawQuery(), StandardCharsets.UTF_8);
      requests.add(method + " " + path + (query.isEmpty() ? "" : "?" + query));
      byte[] body = ex.getRequestBody().readAllBytes();
      Matcher m;
      if (tokenAuth && path.equals("/token")) {
        // Refuses any scope but the push scope of the repository pushed to, as a strict token server may.
        boolean onlyPush = query.contains("scope=repository:") && !query.contains(":pull&")
            && query.indexOf("scope=") == query.lastIndexOf("scope=");
        byte[] token = "{\"token\":\"t0ken\"}".getBytes(StandardCharsets.UTF_8);
        if (onlyPush) {
          ex.getResponseHeaders().set("Content-Type", "application/json");
          ex.sendResponseHeaders(200, token.length);
          ex.getResponseBody().write(token);
        } else {
          ex.sendResponseHeaders(403, -1);
        }
      } else if (tokenAuth && !"Bearer t0ken".equals(ex.getRequestHeaders().getFirst("Authorization"))) {
        ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"http://" + name + "/token\",service=\"test\"");
        ex.sendResponseHeaders(401, -1);
      } else if (path.equals("/v2/") || path.equals("/v2")) {
        ex.sendResponseHeaders(200, -1);
      } else if ((m = BLOB.matcher(path)).matches() && method.equals("HEAD")) {
        if (repositories.getOrDefault(m.group(1), Set.of()).contains(m.group(2))) {
          ex.getResponseHeaders().set("Content-Length", "1");
          ex.sendResponseHeaders(200, -1);
        } else {
          ex.sendResponseHeaders(404, -1);
        }
      } else if ((m = UPLOADS.matcher(path)).matches()) {
        upload(ex, method, m.group(1), m.group(2), params(query), body);
      } else if ((m = MANIFEST.matcher(path)).matches() && method.equals("PUT")) {
        Map<String, byte[]> repository = manifests.computeIfAbsent(m.group(1), r -> new ConcurrentHashMap<>());
        repository.put(m.group(2), body);
        repository.put(sha256(body), body);
        String subject = subjectOf(body);
        if (referrersApi && subject != null) {
          ex.getResponseHeaders().set("OCI-Subject", subject);
        }
        ex.getResponseHeaders().set("Docker-Content-Digest", sha256(body));
        ex.sendResponseHeaders(201, -1);
      } else if ((m = MANIFEST.matcher(path)).matches() && (method.equals("GET") || method.equals("HEAD"))) {
        byte[] manifest = manifests.getOrDefault(m.group(1), Map.of()).get(m.group(2));
        if (manifest == null) {
          ex.sendResponseHeaders(404, -1);
        } else {
          ex.getResponseHeaders().set("Content-Type", mediaTypeOf(manifest));
          ex.getResponseHeaders().set("Docker-Content-Digest", sha256(manifest));
          send(ex, method, manifest);
        }
      } else if ((m = BLOB.matcher(path)).matches() && method.equals("GET")) {
        if (repositories.getOrDefault(m.group(1), Set.of()).contains(m.group(2))) {
          send(ex, method, blobBytes.get(m.group(2)));
        } else {
          ex.sendResponseHeaders(404, -1);
        }
      } else if ((m = REFERRERS.matcher(path)).matches() && method.equals("GET") && referrersApi) {
        ex.getResponseHeaders().set("Content-Type", ImagePublisher.OCI_INDEX);
        send(ex, method, referrersList(m.group(1), m.group(2)));
      } else if (REFERRERS.matcher(path).matches()) {
        ex.sendResponseHeaders(noReferrersApiAnswer, -1);
      } else {
        ex.sendResponseHeaders(405, -1);
      }
      ex.close();
    }

    private static void send(HttpExchange ex, String method, byte[] body) throws IOException {
      if (method.equals("HEAD")) {
        ex.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
        ex.sendResponseHeaders(200, -1);
        return;
      }
      ex.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
      ex.getResponseBody().write(body);
    }

    /** The tags of {@code repository} that name a manifest (not the digests they are also kept under). */
    Set<String> tags(String repository) {
      Set<String> tags = new HashSet<>();
      manifests.getOrDefault(repository, Map.of()).keySet().stream().filter(k -> !k.startsWith("sha256:"))
          .forEach(tags::add);
      return tags;
    }

    /** The referrers API's answer: every manifest of {@code repository} whose subject is {@code subject}. */
    private byte[] referrersList(String repository, String subject) throws IOException {
      com.fasterxml.jackson.databind.node.ObjectNode index = PlatformImage.JSON.createObjectNode();
      index.put("schemaVersion", 2).put("mediaType", ImagePublisher.OCI_INDEX);
      com.fasterxml.jackson.databind.node.ArrayNode list = index.putArray("manifests");
      for (Map.Entry<String, byte[]> e : manifests.getOrDefault(repository, Map.of()).entrySet()) {
        if (!referrersListed || !e.getKey().startsWith("sha256:") || !subject.equals(subjectOf(e.getValue()))) {
          continue;
        }
        com.fasterxml.jackson.databind.JsonNode manifest = PlatformImage.JSON.readTree(e.getValue());
        com.fasterxml.jackson.databind.node.ObjectNode d = list.addObject();
        d.put("mediaType", manifest.path("mediaType").asText()).put("digest", e.getKey())
            .put("size", e.getValue().length).put("artifactType", manifest.path("artifactType").asText());
        if (manifest.has("annotations")) {
          d.set("annotations", manifest.get("annotations"));
        }
      }
      return ImagePublisher.json(index);
    }

    private static String subjectOf(byte[] manifest) throws IOException {
      com.fasterxml.jackson.databind.JsonNode json = PlatformImage.JSON.readTree(manifest);
      return json.path("subject").path("digest").isTextual() ? json.path("subject").path("digest").asText() : null;
    }

    private static String mediaTypeOf(byte[] manifest) throws IOException {
      return PlatformImage.JSON.readTree(manifest).path("mediaType").asText(PlatformImage.OCI_MANIFEST);
    }

    private void upload(HttpExchange ex, String method, String repository, String session,
        Map<String, String> params, byte[] body) throws IOException {
      if (method.equals("POST")) {
        String mount = params.get("mount");
        if (mount != null) {
          boolean there = repositories.getOrDefault(params.get("from"), Set.of()).contains(mount);
          if (mountAnswer == 201 && there) {
            link(repository, mount);
            ex.sendResponseHeaders(201, -1);
            return;
          }
          if (mountAnswer != 201 && mountAnswer != 202) {
            byte[] error = "{\"errors\":[{\"code\":\"DENIED\",\"message\":\"no mounts here\"}]}"
                .getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(mountAnswer, error.length);
            ex.getResponseBody().write(error);
            return;
          }
        }
        String id = UUID.randomUUID().toString();
        sessions.put(id, new ByteArrayOutputStream());
        location(ex, repository, id, 202);
      } else if (method.equals("PATCH") && sessions.containsKey(session) && dropPatches > 0) {
        dropPatches--;
        // The JDK's server closes the connection of a handler that fails: the client gets no answer.
        throw new IOException("upload dropped by the test registry");
      } else if (method.equals("PATCH") && sessions.containsKey(session)) {
        sessions.get(session).write(body);
        location(ex, repository, session, 202);
      } else if (method.equals("PUT") && sessions.containsKey(session)) {
        ByteArrayOutputStream data = sessions.remove(session);
        data.write(body);
        String digest = params.get("digest");
        if (digest == null || !digest.equals(sha256(data.toByteArray()))) {
          ex.sendResponseHeaders(400, -1);
          return;
        }
        link(repository, digest);
        blobBytes.put(digest, data.toByteArray());
        ex.sendResponseHeaders(201, -1);
      } else {
        ex.sendResponseHeaders(404, -1);
      }
    }

    private void link(String repository, String digest) {
      repositories.computeIfAbsent(repository, r -> ConcurrentHashMap.newKeySet()).add(digest);
    }

    private void location(HttpExchange ex, String repository, String id, int status) throws IOException {
      ex.getResponseHeaders().set("Location", "http://" + name + "/v2/" + repository + "/blobs/uploads/" + id);
      ex.getResponseHeaders().set("Range", "0-0");
      ex.sendResponseHeaders(status, -1);
    }

    private static Map<String, String> params(String query) {
      Map<String, String> r = new HashMap<>();
      for (String p : query.split("&")) {
        int eq = p.indexOf('=');
        if (eq > 0) {
          r.put(p.substring(0, eq), p.substring(eq + 1));
        }
      }
      return r;
    }

    private static String sha256(byte[] bytes) {
      try {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
