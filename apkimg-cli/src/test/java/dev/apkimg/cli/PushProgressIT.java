package dev.apkimg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.api.Apkimg;
import dev.apkimg.api.BuildEvent;
import dev.apkimg.api.BuildEvent.BlobPushed.Transfer;
import dev.apkimg.api.BuildRequest;
import dev.apkimg.api.Outputs;
import dev.apkimg.image.RegistryCredentials;
import dev.apkimg.testing.LoopbackHttpServer;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #14, item 1: the blob events of pushes to Debian's docker-registry, as a build's listener
 * gets them. The first push uploads every blob (the image's and its SBOMs'), each one's bytes
 * reported up to its size; a second tag in the same repository finds every blob there; another
 * repository of the registry has them mounted from the first.
 */
class PushProgressIT {
  @TempDir Path tmp;

  @Test
  void blobsAreUploadedThenAlreadyThereThenMounted() throws Exception {
    byte[] big = new byte[2 * 1024 * 1024];
    new Random(14).nextBytes(big);
    TestRepository repo = new TestRepository(TestKeys.primary());
    repo.add(TestPackage.builder("base", "1.0-r0").dir("etc").file("etc/base.conf", "a=1\n").build(),
        TestPackage.builder("app", "2.0-r0").depends("base").dir("usr").dir("usr/share")
            .file("usr/share/app.bin", big).build());
    repo.write(tmp.resolve("www/v3.20/main"));
    Path keys = TestKeys.primary().writePublicKey(tmp.resolve("keys"));
    try (LoopbackHttpServer mirror = LoopbackHttpServer.serve(tmp.resolve("www"));
         LocalRegistry registry = LocalRegistry.start(tmp.resolve("registry"), "127.0.0.1")) {
      Path profile = tmp.resolve("app.yaml");
      Files.writeString(profile, "contents:\n  repositories: [" + mirror.url() + "v3.20/main]\n"
          + "  keyring: [" + keys + "]\n  packages: [app]\narchs: [x86_64]\n");

      String first = registry.address() + "/progress/app:1";
      List<BuildEvent> one = push(profile, first);
      List<BuildEvent.BlobPushed> uploaded = pushed(one);
      // The layer, the configuration, the SBOMs' empty configuration and two documents at least.
      assertThat(uploaded).hasSizeGreaterThanOrEqualTo(5).allSatisfy(e -> {
        assertThat(e.reference()).isEqualTo(first);
        assertThat(e.transfer()).isEqualTo(Transfer.UPLOADED);
      });
      assertThat(uploaded).anySatisfy(e -> assertThat(e.size()).isGreaterThan(2 * 1024 * 1024));
      for (BuildEvent.BlobPushed blob : uploaded) {
        List<BuildEvent.BlobPushing> bytes = one.stream().filter(BuildEvent.BlobPushing.class::isInstance)
            .map(BuildEvent.BlobPushing.class::cast).filter(e -> e.digest().equals(blob.digest())).toList();
        assertThat(bytes).as(blob.digest()).isNotEmpty()
            .allSatisfy(e -> assertThat(e.size()).isEqualTo(blob.size()));
        for (int i = 1; i < bytes.size(); i++) {
          assertThat(bytes.get(i).bytes()).isGreaterThan(bytes.get(i - 1).bytes());
        }
        assertThat(bytes.get(bytes.size() - 1).bytes()).isEqualTo(blob.size());
      }

      String second = registry.address() + "/progress/app:2";
      List<BuildEvent> two = push(profile, second);
      assertThat(two).noneMatch(BuildEvent.BlobPushing.class::isInstance);
      assertThat(pushed(two)).extracting(BuildEvent.BlobPushed::digest, BuildEvent.BlobPushed::transfer)
          .containsExactlyInAnyOrderElementsOf(uploaded.stream()
              .map(e -> org.assertj.core.groups.Tuple.tuple(e.digest(), Transfer.EXISTS)).toList());

      // Another repository: the image's blobs are mounted from the first (the cache records where
      // they were pushed); the SBOMs' blobs, which the record leaves out, are uploaded.
      String other = registry.address() + "/elsewhere/app:1";
      List<BuildEvent> three = push(profile, other);
      List<BuildEvent.BlobPushed> mounted = pushed(three).stream().filter(e -> e.transfer() == Transfer.MOUNTED)
          .toList();
      assertThat(mounted).hasSize(2).anySatisfy(e -> assertThat(e.size()).isGreaterThan(2 * 1024 * 1024));
      assertThat(three).filteredOn(BuildEvent.BlobPushing.class::isInstance)
          .noneMatch(e -> mounted.stream().anyMatch(m -> m.digest().equals(((BuildEvent.BlobPushing) e).digest())));
      assertThat(pushed(three)).extracting(BuildEvent.BlobPushed::digest)
          .containsExactlyInAnyOrderElementsOf(uploaded.stream().map(BuildEvent.BlobPushed::digest).toList());
    }
  }

  private List<BuildEvent> push(Path profile, String reference) {
    List<BuildEvent> events = new CopyOnWriteArrayList<>();
    Apkimg.create().build(BuildRequest.builder(profile).cacheDir(tmp.resolve("cache"))
        .outputs(Outputs.builder().push(reference).sbomOnPush(true).allowInsecureRegistries(true)
            .credentials(RegistryCredentials.of(Map.of(), tmp.resolve("home"))).build()).build(), events::add);
    return new ArrayList<>(events);
  }

  private static List<BuildEvent.BlobPushed> pushed(List<BuildEvent> events) {
    return events.stream().filter(BuildEvent.BlobPushed.class::isInstance).map(BuildEvent.BlobPushed.class::cast)
        .toList();
  }
}
