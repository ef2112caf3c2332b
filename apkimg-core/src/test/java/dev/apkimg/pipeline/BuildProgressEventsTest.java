package dev.apkimg.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.api.Apkimg;
import dev.apkimg.api.BuildEvent;
import dev.apkimg.api.BuildListener;
import dev.apkimg.api.BuildRequest;
import dev.apkimg.api.BuildResult;
import dev.apkimg.api.Outputs;
import dev.apkimg.rootfs.Layering;
import dev.apkimg.testing.LoopbackHttpServer;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The progress a build sends while it downloads packages from a mirror on loopback HTTP (one of
 * them trickled, 3 MB) and writes the layers: each download's bytes as they arrive, each package
 * downloaded, the architecture fetched (downloaded or from the cache), the layers written; one
 * event at a time, though the downloads run in parallel.
 */
class BuildProgressEventsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;

  private TestRepository.Written written;
  private Map<String, Long> apkSizes;
  private long installedSizes;

  /** Records the events; fails on any that arrives while the listener is still busy with another. */
  static final class Recorder implements BuildListener {
    final List<BuildEvent> events = new ArrayList<>();
    private final AtomicInteger busy = new AtomicInteger();
    volatile boolean overlapped;

    @Override
    public void on(BuildEvent event) {
      if (busy.incrementAndGet() > 1) {
        overlapped = true;
      }
      try {
        synchronized (events) {
          events.add(event);
        }
        if (event.level() == BuildEvent.Level.PROGRESS) {
          Thread.sleep(3); // a slow listener: other threads' events would overlap it if not held back
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        busy.decrementAndGet();
      }
    }

    <T extends BuildEvent> List<T> of(Class<T> type) {
      synchronized (events) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
      }
    }
  }

  @BeforeEach
  void repository() throws IOException {
    byte[] big = new byte[3 * 1024 * 1024];
    new Random(14).nextBytes(big); // incompressible: the package is as large as its file
    TestRepository repo = new TestRepository(TestKeys.primary());
    repo.add(
        TestPackage.builder("base", "1.0-r0").dir("etc").file("etc/base.conf", "a=1\n").build(),
        TestPackage.builder("big", "2.0-r0").depends("base").dir("usr").dir("usr/share")
            .file("usr/share/big.bin", big).build(),
        TestPackage.builder("app", "3.0-r0").depends("big").dir("usr").dir("usr/bin")
            .file("usr/bin/app", "#!/bin/sh\necho app\n".getBytes(StandardCharsets.UTF_8), 0755).build());
    written = repo.write(tmp.resolve("www/v3.20/main"));
    apkSizes = new HashMap<>();
    installedSizes = 0;
    for (String name : List.of("base", "big", "app")) {
      var apk = written.apk("x86_64", name);
      Path file = tmp.resolve("www/v3.20/main/x86_64/" + apk.fileName());
      apkSizes.put(name + "-" + apk.pkg().version(), Files.size(file));
      installedSizes += apk.pkg().installedSize();
    }
  }

  private BuildResult build(LoopbackHttpServer mirror, Recorder recorder, String archive, Layering layering)
      throws IOException {
    Path keys = TestKeys.primary().writePublicKey(tmp.resolve("keys"));
    Path profile = tmp.resolve("app.yaml");
    Files.writeString(profile, "contents:\n  repositories: [" + mirror.url() + "v3.20/main]\n"
        + "  keyring: [" + keys + "]\n  packages: [app]\narchs: [x86_64]\n");
    return Apkimg.create().build(BuildRequest.builder(profile).cacheDir(tmp.resolve("cache")).layering(layering)
        .outputs(Outputs.builder().ociArchive(tmp.resolve(archive)).build()).build(), recorder);
  }

  @Test
  void aColdBuildReportsEachDownloadAsItArrivesAndAWarmOneReportsTheCache() throws Exception {
    try (LoopbackHttpServer mirror = LoopbackHttpServer.serve(tmp.resolve("www"))) {
      // The big package trickles in over about a second: several progress events.
      mirror.script("/v3.20/main/x86_64/big-2.0-r0.apk", LoopbackHttpServer.slowly(64 * 1024, Duration.ofMillis(20)));
      Recorder cold = new Recorder();
      BuildResult result = build(mirror, cold, "cold.tar", Layering.single());

      assertThat(cold.overlapped).as("the listener got one event at a time").isFalse();
      for (Map.Entry<String, Long> apk : apkSizes.entrySet()) {
        List<BuildEvent.Downloading> progress = cold.of(BuildEvent.Downloading.class).stream()
            .filter(e -> e.pkg().equals(apk.getKey())).toList();
        assertThat(progress).as(apk.getKey()).isNotEmpty();
        assertThat(progress).allSatisfy(e -> {
          assertThat(e.arch()).isEqualTo("x86_64");
          assertThat(e.size()).as("the size the index declares").isEqualTo(apk.getValue());
        });
        for (int i = 1; i < progress.size(); i++) {
          assertThat(progress.get(i).bytes()).as("no report twice").isGreaterThan(progress.get(i - 1).bytes());
        }
        assertThat(progress.get(progress.size() - 1).bytes()).isEqualTo(apk.getValue());
        assertThat(cold.of(BuildEvent.Downloaded.class).stream().filter(e -> e.pkg().equals(apk.getKey())).toList())
            .singleElement().satisfies(e -> {
              assertThat(e.bytes()).isEqualTo(apk.getValue());
              assertThat(e.nanos()).isPositive();
            });
      }
      List<BuildEvent.Downloading> big = cold.of(BuildEvent.Downloading.class).stream()
          .filter(e -> e.pkg().equals("big-2.0-r0")).toList();
      assertThat(big).as("a trickled 3 MB download reports on its way").hasSizeGreaterThanOrEqualTo(3);
      assertThat(big.get(0).bytes()).isLessThan(apkSizes.get("big-2.0-r0"));

      long total = apkSizes.values().stream().mapToLong(Long::longValue).sum();
      assertThat(cold.of(BuildEvent.Fetched.class)).singleElement().satisfies(f -> {
        assertThat(f.arch()).isEqualTo("x86_64");
        assertThat(f.downloaded()).isEqualTo(3);
        assertThat(f.downloadedBytes()).isEqualTo(total);
        assertThat(f.cached()).isZero();
        assertThat(f.nanos()).isPositive();
      });
      int fetched = cold.events.indexOf(cold.of(BuildEvent.Fetched.class).get(0));
      assertThat(cold.events.subList(fetched, cold.events.size()))
          .noneMatch(e -> e instanceof BuildEvent.Downloading || e instanceof BuildEvent.Downloaded);
      assertThat(cold.events.indexOf(cold.of(BuildEvent.Fetching.class).get(0))).isLessThan(fetched);

      List<BuildEvent.LayerWriting> layer = cold.of(BuildEvent.LayerWriting.class);
      assertThat(layer).hasSizeGreaterThanOrEqualTo(2);
      assertThat(layer.get(0)).isEqualTo(new BuildEvent.LayerWriting("x86_64", 0, 3, 0, installedSizes));
      assertThat(layer.get(layer.size() - 1)).isEqualTo(new BuildEvent.LayerWriting("x86_64", 3, 3,
          fileBytesOfLayers(tmp.resolve("cold.tar")), installedSizes));
      assertThat(result.images()).hasSize(1);

      // Warm: every package from the cache, nothing downloaded.
      Recorder warm = new Recorder();
      build(mirror, warm, "warm.tar", Layering.single());
      assertThat(warm.of(BuildEvent.Downloading.class)).isEmpty();
      assertThat(warm.of(BuildEvent.Downloaded.class)).isEmpty();
      assertThat(warm.of(BuildEvent.Fetched.class)).singleElement().satisfies(f -> {
        assertThat(f.downloaded()).isZero();
        assertThat(f.downloadedBytes()).isZero();
        assertThat(f.cached()).isEqualTo(3);
      });
      assertThat(warm.of(BuildEvent.Fetched.class).get(0).message()).startsWith("fetched 3 packages for x86_64 in ")
          .endsWith(": 3 from the cache");
    }
  }

  @Test
  void aPinnedBuildReportsEachDownloadAgainstItsPinnedSizeAndTheLayerAgainstTheInstalledSizes() throws Exception {
    try (LoopbackHttpServer mirror = LoopbackHttpServer.serve(tmp.resolve("www"))) {
      build(mirror, new Recorder(), "plain.tar", Layering.single()); // writes app.yaml
      Path profile = tmp.resolve("app.yaml");
      Path lockfile = tmp.resolve("app.lock.json");
      Apkimg.create().lock(BuildRequest.builder(profile).cacheDir(tmp.resolve("cache")).build(), lockfile,
          new Recorder());
      Recorder pinned = new Recorder();
      Apkimg.create().build(BuildRequest.builder(profile).cacheDir(tmp.resolve("pinned-cache")).lockfile(lockfile)
          .outputs(Outputs.builder().ociArchive(tmp.resolve("pinned.tar")).build()).build(), pinned);

      assertThat(pinned.of(BuildEvent.Pinned.class)).hasSize(1);
      for (Map.Entry<String, Long> apk : apkSizes.entrySet()) {
        assertThat(pinned.of(BuildEvent.Downloading.class).stream().filter(e -> e.pkg().equals(apk.getKey())))
            .as(apk.getKey()).isNotEmpty().allSatisfy(e -> assertThat(e.size()).as("the pinned size")
                .isEqualTo(apk.getValue()));
      }
      List<BuildEvent.LayerWriting> layer = pinned.of(BuildEvent.LayerWriting.class);
      assertThat(layer.get(0)).isEqualTo(new BuildEvent.LayerWriting("x86_64", 0, 3, 0, installedSizes));
    }
  }

  @Test
  void aWarmBuildReportsEachPackageTakenFromTheCacheOnceBeforeTheFetchIsDone() throws Exception {
    try (LoopbackHttpServer mirror = LoopbackHttpServer.serve(tmp.resolve("www"))) {
      Recorder cold = new Recorder();
      build(mirror, cold, "cold.tar", Layering.single());
      assertThat(cold.of(BuildEvent.Cached.class)).as("nothing was in the cache").isEmpty();

      Recorder warm = new Recorder();
      build(mirror, warm, "warm.tar", Layering.single());
      assertThat(warm.of(BuildEvent.Downloading.class)).isEmpty();
      List<BuildEvent.Cached> cached = warm.of(BuildEvent.Cached.class);
      assertThat(cached).extracting(BuildEvent.Cached::pkg).containsExactlyInAnyOrderElementsOf(apkSizes.keySet());
      assertThat(cached).allSatisfy(c -> {
        assertThat(c.arch()).isEqualTo("x86_64");
        assertThat(c.bytes()).as(c.pkg()).isEqualTo(apkSizes.get(c.pkg()));
        assertThat(c.level()).isEqualTo(BuildEvent.Level.DETAIL);
      });
      int fetched = warm.events.indexOf(warm.of(BuildEvent.Fetched.class).get(0));
      assertThat(cached).allSatisfy(c -> assertThat(warm.events.indexOf(c)).isLessThan(fetched)
          .isGreaterThan(warm.events.indexOf(warm.of(BuildEvent.Fetching.class).get(0))));
      BuildEvent.Cached big = cached.stream().filter(c -> c.pkg().equals("big-2.0-r0")).findFirst().orElseThrow();
      assertThat(big.message()).isEqualTo("taken from the cache: big-2.0-r0 ("
          + BuildEvent.Sizes.of(apkSizes.get("big-2.0-r0")) + ")");
    }
  }

  @Test
  void aCachedPackageThatFailsItsCheckIsDownloadedAgainAndCountsAsDownloaded() throws Exception {
    try (LoopbackHttpServer mirror = LoopbackHttpServer.serve(tmp.resolve("www"))) {
      build(mirror, new Recorder(), "cold.tar", Layering.single());
      try (var files = Files.walk(tmp.resolve("cache/packages"))) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          if (Files.size(f) == apkSizes.get("base-1.0-r0")) {
            Files.write(f, new byte[] {1, 2, 3}); // truncated
          }
        }
      }
      Recorder again = new Recorder();
      build(mirror, again, "again.tar", Layering.single());
      assertThat(again.of(BuildEvent.Downloaded.class)).extracting(BuildEvent.Downloaded::pkg)
          .containsExactly("base-1.0-r0");
      assertThat(again.of(BuildEvent.Cached.class)).extracting(BuildEvent.Cached::pkg)
          .as("the failed entry is not reported as taken from the cache")
          .containsExactlyInAnyOrder("big-2.0-r0", "app-3.0-r0");
      assertThat(again.of(BuildEvent.Fetched.class)).singleElement().satisfies(f -> {
        assertThat(f.downloaded()).isEqualTo(1);
        assertThat(f.downloadedBytes()).isEqualTo(apkSizes.get("base-1.0-r0"));
        assertThat(f.cached()).isEqualTo(2);
      });
    }
  }

  @Test
  void layeringByPackagesEndsWithEveryPackageAndTheFileContentOfEveryLayer() throws Exception {
    try (LoopbackHttpServer mirror = LoopbackHttpServer.serve(tmp.resolve("www"))) {
      Recorder recorder = new Recorder();
      build(mirror, recorder, "layered.tar", Layering.ofProfile("packages", 1).orElseThrow());
      List<BuildEvent.LayerWriting> layer = recorder.of(BuildEvent.LayerWriting.class);
      assertThat(layer).isNotEmpty();
      long content = fileBytesOfLayers(tmp.resolve("layered.tar"));
      assertThat(content).isGreaterThan(3 * 1024 * 1024);
      assertThat(layer.get(layer.size() - 1)).isEqualTo(new BuildEvent.LayerWriting("x86_64", 3, 3, content,
          installedSizes));
    }
  }

  @Test
  void aMirrorOnTheFileSystemIsReportedAsItIsRead() throws Exception {
    Path keys = TestKeys.primary().writePublicKey(tmp.resolve("keys"));
    Path profile = tmp.resolve("local.yaml");
    Files.writeString(profile, "contents:\n  repositories: [" + tmp.resolve("www/v3.20/main") + "]\n"
        + "  keyring: [" + keys + "]\n  packages: [app]\narchs: [x86_64]\n");
    Recorder recorder = new Recorder();
    Apkimg.create().build(BuildRequest.builder(profile).cacheDir(tmp.resolve("cache"))
        .outputs(Outputs.builder().ociArchive(tmp.resolve("local.tar")).build()).build(), recorder);
    for (Map.Entry<String, Long> apk : apkSizes.entrySet()) {
      List<BuildEvent.Downloading> progress = recorder.of(BuildEvent.Downloading.class).stream()
          .filter(e -> e.pkg().equals(apk.getKey())).toList();
      assertThat(progress).as(apk.getKey()).isNotEmpty();
      assertThat(progress.get(progress.size() - 1).bytes()).isEqualTo(apk.getValue());
    }
    assertThat(recorder.of(BuildEvent.Downloaded.class)).hasSize(3);
    assertThat(recorder.of(BuildEvent.Fetched.class)).singleElement()
        .satisfies(f -> assertThat(f.downloaded()).isEqualTo(3));
  }

  /** The bytes of file content of every layer of the one image in an OCI archive. */
  private static long fileBytesOfLayers(Path archive) throws IOException {
    Map<String, byte[]> files = new HashMap<>();
    try (TarArchiveInputStream tar = new TarArchiveInputStream(Files.newInputStream(archive))) {
      for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
        if (e.isFile()) {
          files.put(e.getName().replaceFirst("^\\./", ""), tar.readAllBytes());
        }
      }
    }
    JsonNode index = JSON.readTree(files.get("index.json"));
    JsonNode manifest = JSON.readTree(blob(files, index.path("manifests").get(0).path("digest").asText()));
    long total = 0;
    for (JsonNode layer : manifest.path("layers")) {
      try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(blob(files, layer.path("digest").asText())));
           TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
        for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
          if (e.isFile() && !e.isLink()) {
            total += e.getSize();
          }
        }
      }
    }
    return total;
  }

  private static byte[] blob(Map<String, byte[]> files, String digest) {
    return files.get("blobs/" + digest.replace(':', '/'));
  }
}
