package dev.apkimg.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The record of pushed blobs in the cache: only ever a hint where to ask for a mount, so what is
 * not exactly a record of this registry (garbage, a huge file, a link, names that are not
 * repository names or digests) is ignored, and the file name never comes from outside.
 */
class PushedBlobsTest {
  static final String REGISTRY = "registry.example.com:5000";
  static final String D1 = "sha256:" + "1".repeat(64);
  static final String D2 = "sha256:" + "2".repeat(64);
  static final String D3 = "sha256:" + "3".repeat(64);

  @TempDir Path cache;

  @Test
  void savedRecordIsReadBackAndNamesNoOtherRepositoryForTheTarget() {
    PushedBlobs record = PushedBlobs.load(cache, REGISTRY);
    record.record("team/base", List.of(D1, D2));
    record.record("team/app", List.of(D2));
    record.save();

    PushedBlobs read = PushedBlobs.load(cache, REGISTRY);
    assertThat(read.sourceFor(D1, "team/app")).contains("team/base");
    assertThat(read.sourceFor(D2, "team/other")).contains("team/app");
    assertThat(read.sourceFor(D2, "team/app")).isEmpty();
    assertThat(read.sourceFor(D3, "team/app")).isEmpty();
    assertThat(read.commonSource(List.of(D2, D3), "x/y")).contains("team/app");
    assertThat(read.commonSource(List.of(D1, D2), "team/app")).contains("team/base");
    assertThat(PushedBlobs.load(cache, "other.example.com").size()).isZero();
  }

  @Test
  void fileNameIsAFixedFormHashWhateverTheRegistryIsCalled() throws IOException {
    for (String hostile : List.of("../../etc", "a/b", "..", "", "x\0y", "UPPER:80", "[::1]:5000")) {
      assertThat(PushedBlobs.fileName(hostile)).matches("[0-9a-f]{64}");
    }
    PushedBlobs record = PushedBlobs.load(cache, "../../escape");
    record.record("team/base", List.of(D1));
    record.save();
    try (Stream<Path> all = Files.walk(cache)) {
      assertThat(all.filter(Files::isRegularFile).map(p -> cache.relativize(p).toString()).toList())
          .containsExactly("pushed/" + PushedBlobs.fileName("../../escape"));
    }
  }

  @Test
  void garbageIsIgnored() throws IOException {
    byte[] garbage = new byte[100_000];
    new Random(11).nextBytes(garbage);
    Path file = recordFile();
    Files.write(file, garbage);
    assertThat(PushedBlobs.load(cache, REGISTRY).size()).isZero();

    Files.writeString(file, "{\"not\": \"a record\"}\n" + D1 + " team/base\n");
    assertThat(PushedBlobs.load(cache, REGISTRY).size()).isZero();
  }

  @Test
  void aRecordOfAnotherRegistryIsIgnored() throws IOException {
    Files.writeString(recordFile(), PushedBlobs.MAGIC + "\nregistry evil.example.com\n" + D1 + " team/base\n");
    assertThat(PushedBlobs.load(cache, REGISTRY).size()).isZero();
  }

  @Test
  void aHugeFileIsIgnoredUnread() throws IOException {
    Path file = recordFile();
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(header().getBytes(StandardCharsets.UTF_8));
      byte[] line = (D1 + " team/base\n").getBytes(StandardCharsets.UTF_8);
      for (long written = 0; written <= PushedBlobs.MAX_BYTES; written += line.length) {
        out.write(line);
      }
    }
    assertThat(PushedBlobs.load(cache, REGISTRY).size()).isZero();
  }

  @Test
  void linesThatAreNotADigestAndARepositoryNameAreSkipped() throws IOException {
    Files.writeString(recordFile(), header()
        + D1 + " ../../etc\n"
        + D1 + " /absolute\n"
        + D1 + " Team/Base\n"
        + D1 + " team base\n"
        + D1 + " team//base\n"
        + D1 + " team/base?mount=x\n"
        + D1 + " " + "a".repeat(300) + "\n"
        + D1 + "\n"
        + "sha256:XYZ team/base\n"
        + "sha512:" + "1".repeat(128) + " team/base\n"
        + "sha256:" + "1".repeat(63) + " team/base\n"
        + D2 + " team/base\r\n"
        + D3 + " team/ok-name_1.x\n");
    PushedBlobs record = PushedBlobs.load(cache, REGISTRY);
    assertThat(record.size()).isEqualTo(1);
    assertThat(record.sourceFor(D3, "x")).contains("team/ok-name_1.x");
    assertThat(record.sourceFor(D1, "x")).isEmpty();
  }

  @Test
  void aLinkOrAFolderInPlaceOfTheRecordIsIgnored() throws IOException {
    Path elsewhere = cache.resolve("elsewhere");
    Files.writeString(elsewhere, header() + D1 + " team/base\n");
    Path file = recordFile();
    Files.createSymbolicLink(file, elsewhere);
    assertThat(PushedBlobs.load(cache, REGISTRY).size()).isZero();

    // Saving replaces the link, it does not write through it.
    PushedBlobs record = PushedBlobs.load(cache, REGISTRY);
    record.record("team/app", List.of(D2));
    record.save();
    assertThat(Files.readString(elsewhere)).isEqualTo(header() + D1 + " team/base\n");
    assertThat(PushedBlobs.load(cache, REGISTRY).sourceFor(D2, "x")).contains("team/app");

    Files.delete(file);
    Files.createDirectories(file);
    assertThat(PushedBlobs.load(cache, REGISTRY).size()).isZero();
    PushedBlobs.load(cache, REGISTRY).save(); // cannot replace a folder: the push goes on
  }

  @Test
  void theOldestBlobsAreForgottenFirst() {
    PushedBlobs record = PushedBlobs.load(cache, REGISTRY);
    for (int i = 0; i <= PushedBlobs.MAX_ENTRIES; i++) {
      record.record("team/base", List.of("sha256:" + String.format("%064x", i)));
    }
    assertThat(record.size()).isEqualTo(PushedBlobs.MAX_ENTRIES);
    assertThat(record.sourceFor("sha256:" + String.format("%064x", 0), "x")).isEmpty();
    assertThat(record.sourceFor("sha256:" + String.format("%064x", PushedBlobs.MAX_ENTRIES), "x"))
        .contains("team/base");
    record.save();
    assertThat(PushedBlobs.load(cache, REGISTRY).size()).isEqualTo(PushedBlobs.MAX_ENTRIES);
    try (Stream<Path> left = Files.list(cache.resolve("pushed"))) {
      assertThat(left.map(p -> p.getFileName().toString()).toList()).as("no temporary file left")
          .containsExactly(PushedBlobs.fileName(REGISTRY));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void recordingAnInvalidNameChangesNothing() {
    PushedBlobs record = PushedBlobs.load(cache, REGISTRY);
    record.record("../x", List.of(D1));
    record.record("team/base", List.of("sha256:nothex", D2));
    assertThat(record.size()).isEqualTo(1);
    assertThat(record.commonSource(List.of(D1, D2), "x")).isEqualTo(Optional.of("team/base"));
  }

  private static String header() {
    return PushedBlobs.MAGIC + "\nregistry " + REGISTRY + "\n";
  }

  private Path recordFile() throws IOException {
    Path dir = Files.createDirectories(cache.resolve("pushed"));
    return dir.resolve(PushedBlobs.fileName(REGISTRY));
  }
}
