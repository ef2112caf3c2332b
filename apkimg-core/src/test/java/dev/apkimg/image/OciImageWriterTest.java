package dev.apkimg.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apkimg.testing.Prerequisites;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciImageWriterTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String HELLO = "#!/bin/sh\necho hello\n";
  private static final Instant CREATED = Instant.parse("2024-05-01T12:00:00Z");

  @TempDir Path tmp;

  private Path layerFile;
  private byte[] layerTar;
  private ImageConfig config;

  @BeforeEach
  void makeLayer() throws IOException {
    ByteArrayOutputStream tarBytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(tarBytes)) {
      TarArchiveEntry dir = new TarArchiveEntry("bin/");
      dir.setMode(040755);
      tar.putArchiveEntry(dir);
      tar.closeArchiveEntry();
      byte[] content = HELLO.getBytes(StandardCharsets.UTF_8);
      TarArchiveEntry file = new TarArchiveEntry("bin/hello");
      file.setMode(0100755);
      file.setSize(content.length);
      tar.putArchiveEntry(file);
      tar.write(content);
      tar.closeArchiveEntry();
      TarArchiveEntry link = new TarArchiveEntry("bin/hi", TarArchiveEntry.LF_SYMLINK);
      link.setLinkName("hello");
      tar.putArchiveEntry(link);
      tar.closeArchiveEntry();
    }
    layerTar = tarBytes.toByteArray();
    layerFile = tmp.resolve("layer.tar.gz");
    GzipParameters gzip = new GzipParameters();
    gzip.setModificationTime(0);
    try (OutputStream out = new GzipCompressorOutputStream(Files.newOutputStream(layerFile), gzip)) {
      out.write(layerTar);
    }
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    env.put("LANG", "C.UTF-8");
    env.put("A", "1"); // jib's hash map writes PATH, A, LANG: the profile's order must win
    config =
        new ImageConfig(
            "linux", "arm64", "v8", List.of("/bin/hello"), List.of("--loud", "x"), env, "/work",
            CREATED);
  }

  @Test
  void layerBlobDigestsTheGzipBytesAndTheTar() throws IOException {
    LayerBlob blob = LayerBlob.of(layerFile);

    assertThat(blob.file()).isEqualTo(layerFile);
    assertThat(blob.digest()).isEqualTo(sha256(Files.readAllBytes(layerFile)));
    assertThat(blob.diffId()).isEqualTo(sha256(layerTar));
    assertThat(blob.size()).isEqualTo(Files.size(layerFile));
  }

  @Test
  void layerBlobRejectsAFileThatIsNotGzip() throws IOException {
    Path notGzip = Files.write(tmp.resolve("plain.tar"), layerTar);

    assertThatThrownBy(() -> LayerBlob.of(notGzip))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("not a valid gzip stream");
  }

  @Test
  void sameInputsGiveByteIdenticalArchives() throws IOException {
    LayerBlob layer = LayerBlob.of(layerFile);

    ImageResult first =
        OciImageWriter.writeOciArchive(layer, config, "alpine-base:latest", tmp.resolve("a.tar"));
    ImageResult second =
        OciImageWriter.writeOciArchive(layer, config, "alpine-base:latest", tmp.resolve("b.tar"));

    assertThat(second).isEqualTo(first);
    assertThat(Files.mismatch(tmp.resolve("a.tar"), tmp.resolve("b.tar"))).isEqualTo(-1L);
    assertThat(first.layerDigest()).isEqualTo(layer.digest());
    assertThat(first.layerSize()).isEqualTo(layer.size());
  }

  @Test
  void archiveIsAnOciLayoutWithOurLayerAndConfig() throws IOException {
    LayerBlob layer = LayerBlob.of(layerFile);
    Path archive = tmp.resolve("out/image.tar");

    ImageResult result = OciImageWriter.writeOciArchive(layer, config, "alpine-base:latest", archive);

    Map<String, byte[]> entries = readTar(archive);
    assertThat(entries.keySet())
        .containsExactly(
            "oci-layout",
            "index.json",
            blob(layer.digest()),
            blob(result.configDigest()),
            blob(result.manifestDigest()));
    assertThat(JSON.readTree(entries.get("oci-layout")).path("imageLayoutVersion").asText())
        .isEqualTo("1.0.0");

    JsonNode index = JSON.readTree(entries.get("index.json"));
    assertThat(index.path("manifests")).hasSize(1);
    JsonNode descriptor = index.path("manifests").get(0);
    assertThat(descriptor.path("mediaType").asText())
        .isEqualTo("application/vnd.oci.image.manifest.v1+json");
    assertThat(descriptor.path("digest").asText()).isEqualTo(result.manifestDigest());
    assertThat(descriptor.path("annotations").path("org.opencontainers.image.ref.name").asText())
        .isEqualTo("alpine-base:latest");

    byte[] manifestBytes = entries.get(blob(result.manifestDigest()));
    assertThat(sha256(manifestBytes)).isEqualTo(result.manifestDigest());
    JsonNode manifest = JSON.readTree(manifestBytes);
    assertThat(manifest.path("config").path("digest").asText()).isEqualTo(result.configDigest());
    assertThat(manifest.path("layers")).hasSize(1);
    JsonNode layerDescriptor = manifest.path("layers").get(0);
    assertThat(layerDescriptor.path("digest").asText()).isEqualTo(layer.digest());
    assertThat(layerDescriptor.path("size").asLong()).isEqualTo(layer.size());
    assertThat(layerDescriptor.path("mediaType").asText())
        .isEqualTo("application/vnd.oci.image.layer.v1.tar+gzip");
    assertThat(entries.get(blob(layer.digest()))).isEqualTo(Files.readAllBytes(layerFile));

    byte[] configBytes = entries.get(blob(result.configDigest()));
    assertThat(sha256(configBytes)).isEqualTo(result.configDigest());
    JsonNode image = JSON.readTree(configBytes);
    assertThat(image.path("architecture").asText()).isEqualTo("arm64");
    assertThat(image.path("os").asText()).isEqualTo("linux");
    assertThat(image.path("created").asText()).isEqualTo("2024-05-01T12:00:00Z");
    assertThat(strings(image.path("config").path("Entrypoint"))).containsExactly("/bin/hello");
    assertThat(strings(image.path("config").path("Cmd"))).containsExactly("--loud", "x");
    // jib keeps the environment in a hash map: the set is ours, the order is jib's.
    assertThat(strings(image.path("config").path("Env")))
        .containsExactly("PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", "A=1");
    assertThat(image.path("config").path("WorkingDir").asText()).isEqualTo("/work");
    assertThat(strings(image.path("rootfs").path("diff_ids"))).containsExactly(layer.diffId());
    assertThat(image.path("history")).hasSize(1);
    assertThat(image.path("history").get(0).path("created").asText())
        .isEqualTo("2024-05-01T12:00:00Z");
  }

  @Test
  void archiveTarHeadersCarryNothingFromTheHost() throws IOException {
    Path archive = tmp.resolve("image.tar");
    OciImageWriter.writeOciArchive(LayerBlob.of(layerFile), config, "alpine-base:latest", archive);

    try (TarArchiveInputStream tar = new TarArchiveInputStream(Files.newInputStream(archive))) {
      for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
        assertThat(entry.getUserName()).as(entry.getName()).isEmpty();
        assertThat(entry.getGroupName()).as(entry.getName()).isEmpty();
        assertThat(entry.getLongUserId()).isZero();
        assertThat(entry.getModTime().getTime()).isZero();
      }
    }
  }

  @Test
  void variantDroppedByJibIsAddedBack() throws IOException {
    Path archive = tmp.resolve("image.tar");
    ImageResult result =
        OciImageWriter.writeOciArchive(LayerBlob.of(layerFile), config, "alpine-base:latest", archive);

    JsonNode image = JSON.readTree(readTar(archive).get(blob(result.configDigest())));
    assertThat(config.variant()).isEqualTo("v8");
    assertThat(image.path("variant").asText()).isEqualTo("v8");
    JsonNode descriptor = JSON.readTree(readTar(archive).get("index.json")).path("manifests").get(0);
    assertThat(descriptor.path("platform").path("variant").asText()).isEqualTo("v8");
  }

  @Test
  void emptyEntrypointAndCmdAreLeftOut() throws IOException {
    Path archive = tmp.resolve("image.tar");
    ImageConfig minimal = ImageConfig.linux("amd64", CREATED);
    ImageResult result =
        OciImageWriter.writeOciArchive(LayerBlob.of(layerFile), minimal, "minimal:1", archive);

    JsonNode image = JSON.readTree(readTar(archive).get(blob(result.configDigest())));
    assertThat(image.path("architecture").asText()).isEqualTo("amd64");
    assertThat(image.path("config").has("Entrypoint")).isFalse();
    assertThat(image.path("config").has("Cmd")).isFalse();
    assertThat(image.path("config").has("WorkingDir")).isFalse();
  }

  @Test
  void missingLayerFileFailsAndLeavesNothing() throws IOException {
    assertThatThrownBy(() -> LayerBlob.of(tmp.resolve("absent.tar.gz")))
        .isInstanceOf(NoSuchFileException.class);

    LayerBlob layer = LayerBlob.of(layerFile);
    Files.delete(layerFile);
    Path out = tmp.resolve("out");
    Files.createDirectories(out);
    List<Path> workDirsBefore = workDirs();

    assertThatThrownBy(
            () -> OciImageWriter.writeOciArchive(layer, config, "x:1", out.resolve("image.tar")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("layer.tar.gz");

    assertThat(listDir(out)).isEmpty();
    assertThat(workDirs()).isEqualTo(workDirsBefore);
  }

  @Test
  void unwritableOutputFailsAndLeavesNothing() throws IOException {
    // A regular file where the output directory should be: fails for root too.
    Path notADirectory = Files.writeString(tmp.resolve("blocker"), "x");
    LayerBlob layer = LayerBlob.of(layerFile);
    List<Path> workDirsBefore = workDirs();

    assertThatThrownBy(
            () ->
                OciImageWriter.writeOciArchive(
                    layer, config, "x:1", notADirectory.resolve("image.tar")))
        .isInstanceOf(IOException.class);

    assertThat(Files.readString(notADirectory)).isEqualTo("x");
    assertThat(workDirs()).isEqualTo(workDirsBefore);
  }

  @Test
  void layerThatDoesNotMatchItsBlobFailsAndLeavesNothing() throws IOException {
    LayerBlob real = LayerBlob.of(layerFile);
    LayerBlob wrong =
        new LayerBlob(real.file(), "sha256:" + "0".repeat(64), real.diffId(), real.size());
    Path out = tmp.resolve("out");
    Files.createDirectories(out);

    assertThatThrownBy(
            () -> OciImageWriter.writeOciArchive(wrong, config, "x:1", out.resolve("image.tar")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("sha256:" + "0".repeat(64));

    assertThat(listDir(out)).isEmpty();
  }

  @Test
  void skopeoReadsTheArchive() throws Exception {
    Path skopeo = Prerequisites.requireCommand("skopeo");
    LayerBlob layer = LayerBlob.of(layerFile);
    Path archive = tmp.resolve("image.tar");
    ImageResult result = OciImageWriter.writeOciArchive(layer, config, "alpine-base:latest", archive);

    JsonNode inspect = JSON.readTree(run(skopeo.toString(), "inspect", "oci-archive:" + archive));
    assertThat(inspect.path("Digest").asText()).isEqualTo(result.manifestDigest());
    assertThat(inspect.path("Architecture").asText()).isEqualTo("arm64");
    assertThat(inspect.path("Os").asText()).isEqualTo("linux");
    assertThat(inspect.path("Created").asText()).isEqualTo("2024-05-01T12:00:00Z");
    assertThat(strings(inspect.path("Layers"))).containsExactly(layer.digest());
    assertThat(strings(inspect.path("Env")))
        .containsExactly("PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", "A=1");

    JsonNode image =
        JSON.readTree(run(skopeo.toString(), "inspect", "--config", "oci-archive:" + archive));
    assertThat(image.path("architecture").asText()).isEqualTo("arm64");
    assertThat(strings(image.path("config").path("Entrypoint"))).containsExactly("/bin/hello");
    assertThat(strings(image.path("config").path("Cmd"))).containsExactly("--loud", "x");
    assertThat(image.path("config").path("WorkingDir").asText()).isEqualTo("/work");
    assertThat(strings(image.path("rootfs").path("diff_ids"))).containsExactly(layer.diffId());
  }

  @Test
  void umociUnpacksTheLayer() throws Exception {
    Path skopeo = Prerequisites.requireCommand("skopeo");
    Path umoci = Prerequisites.requireCommand("umoci");
    Path archive = tmp.resolve("image.tar");
    OciImageWriter.writeOciArchive(LayerBlob.of(layerFile), config, "alpine-base:latest", archive);

    Path layout = tmp.resolve("layout");
    run(skopeo.toString(), "copy", "oci-archive:" + archive, "oci:" + layout + ":test");
    Path bundle = tmp.resolve("bundle");
    List<String> unpack = new ArrayList<>(List.of(umoci.toString(), "unpack"));
    if (!isRoot()) {
      unpack.add("--rootless");
    }
    unpack.addAll(List.of("--image", layout + ":test", bundle.toString()));
    run(unpack.toArray(String[]::new));

    Path hello = bundle.resolve("rootfs/bin/hello");
    assertThat(hello).isRegularFile().hasContent(HELLO);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(hello, LinkOption.NOFOLLOW_LINKS)))
        .isEqualTo("rwxr-xr-x");
    Path hi = bundle.resolve("rootfs/bin/hi");
    assertThat(Files.isSymbolicLink(hi)).isTrue();
    assertThat(Files.readSymbolicLink(hi)).isEqualTo(Path.of("hello"));
  }

  private static boolean isRoot() throws IOException {
    return "0".equals(
        String.valueOf(Files.getAttribute(Path.of("/proc/self"), "unix:uid")));
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    Thread drain =
        new Thread(
            () -> {
              try (InputStream err = process.getErrorStream()) {
                err.transferTo(stderr);
              } catch (IOException ignored) {
                // the exit code tells
              }
            });
    drain.start();
    String stdout;
    try (InputStream out = process.getInputStream()) {
      stdout = new String(out.readAllBytes(), StandardCharsets.UTF_8);
    }
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("timed out: " + String.join(" ", command));
    }
    drain.join();
    assertThat(process.exitValue())
        .as("%s\nstderr: %s", String.join(" ", command), stderr.toString(StandardCharsets.UTF_8))
        .isZero();
    return stdout;
  }

  private static Map<String, byte[]> readTar(Path archive) throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (TarArchiveInputStream tar = new TarArchiveInputStream(Files.newInputStream(archive))) {
      for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
        assertThat(entries.put(entry.getName(), tar.readAllBytes())).isNull();
      }
    }
    return entries;
  }

  private static List<String> strings(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(node -> values.add(node.asText()));
    return values;
  }

  private static String blob(String digest) {
    return "blobs/sha256/" + digest.substring("sha256:".length());
  }

  private static String sha256(byte[] bytes) {
    try {
      return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private static List<Path> listDir(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.toList();
    }
  }

  private static List<Path> workDirs() throws IOException {
    try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return files.filter(p -> p.getFileName().toString().startsWith("apkimg-image-")).sorted().toList();
    }
  }
}
