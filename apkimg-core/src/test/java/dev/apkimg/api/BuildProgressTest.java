package dev.apkimg.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What a progress display shows is folded from the events the same way for every front end. */
class BuildProgressTest {
  @Test
  void aFetchCountsDownloadsAndCachedPackagesButOnlyDownloadedBytesAndEndsWithFetched() {
    BuildProgress progress = new BuildProgress();
    progress.on(new BuildEvent.Fetching("x86_64", 4), 1_000);
    progress.on(new BuildEvent.Downloading("x86_64", "a-1", 100, 300), 2_000);
    progress.on(new BuildEvent.Downloading("x86_64", "b-1", 50, 0), 3_000);
    progress.on(new BuildEvent.Cached("x86_64", "c-1", 999), 4_000);
    BuildProgress.Step step = progress.on(new BuildEvent.Downloaded("x86_64", "a-1", 300, 10), 5_000);

    assertThat(step).isInstanceOf(BuildProgress.Fetch.class);
    BuildProgress.Fetch fetch = (BuildProgress.Fetch) step;
    assertThat(fetch.startNanos()).as("the step began with Fetching").isEqualTo(1_000);
    assertThat(fetch.done()).isEqualTo(2);
    assertThat(fetch.packages()).isEqualTo(4);
    assertThat(fetch.bytes()).as("a-1 done, b-1 under way; the cached c-1 not counted").isEqualTo(350);
    assertThat(fetch.inFlight()).containsOnlyKeys("b-1");
    assertThat(progress.steps()).containsExactly(fetch);

    assertThat(progress.on(new BuildEvent.Fetched("x86_64", 3, 350, 1, 10), 6_000)).isNull();
    assertThat(progress.isEmpty()).isTrue();
  }

  @Test
  void stepsStayInTheOrderTheyStartedAndAPushCountsEachWayABlobGotThere() {
    BuildProgress progress = new BuildProgress();
    progress.on(new BuildEvent.LayerWriting("x86_64", 0, 2, 0, 100), 1);
    progress.on(new BuildEvent.BlobPushing("r/app:1", "sha256:aa", 10, 40), 2);
    progress.on(new BuildEvent.LayerWriting("x86_64", 1, 2, 60, 100), 3);
    progress.on(new BuildEvent.BlobPushed("r/app:1", "sha256:bb", 5, BuildEvent.BlobPushed.Transfer.UPLOADED), 4);
    progress.on(new BuildEvent.BlobPushed("r/app:1", "sha256:cc", 7, BuildEvent.BlobPushed.Transfer.EXISTS), 5);
    progress.on(new BuildEvent.BlobPushed("r/app:1", "sha256:dd", 9, BuildEvent.BlobPushed.Transfer.MOUNTED), 6);

    List<BuildProgress.Step> steps = progress.steps();
    assertThat(steps).hasSize(2);
    BuildProgress.Layer layer = (BuildProgress.Layer) steps.get(0);
    assertThat(layer.startNanos()).isEqualTo(1);
    assertThat(layer.last().bytes()).isEqualTo(60);
    BuildProgress.Push push = (BuildProgress.Push) steps.get(1);
    assertThat(List.of(push.uploaded(), push.exists(), push.mounted(), push.done(), push.blobs())).containsExactly(1, 1, 1, 3, 4);
    assertThat(push.bytes()).as("uploaded bytes and those in flight, not the skipped or mounted").isEqualTo(15);

    progress.on(new BuildEvent.LayerWritten("x86_64", 10, 50, 100), 7);
    assertThat(progress.steps()).as("the layer is done").singleElement().isInstanceOf(BuildProgress.Push.class);
  }
}
