package dev.apkimg.rootfs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One-layer root filesystems already written, kept in {@code CACHE/rootfs/} by the digest of
 * everything that decides their bytes: every planned entry's header and content digest
 * ({@link LayerEntryWriter#contentDigest()}) and the writer's format. A build whose plan is the
 * same (the same packages, profile and timestamp) takes the layer from there instead of
 * decompressing and compressing every package again: the case of an application rebuilt on an
 * unchanged base, as the Maven plugin does on every build.
 *
 * <p>The key is the content itself, so a stale entry cannot be found; a cached layer is
 * re-hashed as it is copied out and used only if it is whole. The newest {@link #KEEP} are kept.
 */
final class LayerReuse {
  /** Bumped whenever the tar or gzip bytes for the same entries change. */
  static final String FORMAT = "apkimg-layer-1 tar-pax gzip-6 parallel-1MiB";
  static final int KEEP = 8;
  private static final Pattern KEY = Pattern.compile("[0-9a-f]{64}");
  private static final String META = "apkimg-layer-meta-1";

  private final Path dir;

  LayerReuse(Path cacheDir) {
    this.dir = cacheDir.resolve("rootfs");
  }

  /** The cached layer for {@code key} copied to {@code output}, or null when there is none whole. */
  LayerResult find(String key, Path output, List<ScriptReport> reports) {
    if (!KEY.matcher(key).matches()) {
      return null;
    }
    Path layer = dir.resolve(key + ".tar.gz");
    Path meta = dir.resolve(key + ".meta");
    try {
      if (!Files.isRegularFile(layer, LinkOption.NOFOLLOW_LINKS) || !Files.isRegularFile(meta, LinkOption.NOFOLLOW_LINKS)
          || Files.size(meta) > 4096) {
        return null;
      }
      String[] f = Files.readString(meta, StandardCharsets.UTF_8).split("\n", -1);
      if (f.length < 7 || !f[0].equals(META) || !f[1].equals(key)) {
        return null;
      }
      String digest = f[2];
      String diffId = f[3];
      long size = Long.parseLong(f[4]);
      long uncompressed = Long.parseLong(f[5]);
      int entries = Integer.parseInt(f[6]);
      if (Files.size(layer) != size) {
        return null;
      }
      Path dirOut = output.toAbsolutePath().getParent();
      Files.createDirectories(dirOut);
      Path tmp = Files.createTempFile(dirOut, ".layer", ".tmp");
      try {
        MessageDigest sha = ApkChecksums.sha256();
        try (InputStream in = Files.newInputStream(layer); OutputStream out = Files.newOutputStream(tmp)) {
          byte[] buf = new byte[1 << 16];
          int n;
          while ((n = in.read(buf)) > 0) {
            sha.update(buf, 0, n);
            out.write(buf, 0, n);
          }
        }
        if (!("sha256:" + HexFormat.of().formatHex(sha.digest())).equals(digest)) {
          return null; // torn or changed: write the layer afresh (store replaces it)
        }
        Files.move(tmp, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        tmp = null;
      } finally {
        if (tmp != null) {
          Files.deleteIfExists(tmp);
        }
      }
      Files.setLastModifiedTime(layer, FileTime.from(Instant.now())); // recently used: kept longer
      return new LayerResult(output, digest, diffId, size, uncompressed, entries, reports);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Keeps a copy of {@code written} under {@code key}; failures only cost the next build a rewrite. */
  void store(String key, LayerResult written) {
    if (!KEY.matcher(key).matches()) {
      return;
    }
    Path tmpLayer = null;
    Path tmpMeta = null;
    try {
      Files.createDirectories(dir);
      tmpLayer = Files.createTempFile(dir, ".layer", ".tmp");
      Files.copy(written.file(), tmpLayer, StandardCopyOption.REPLACE_EXISTING);
      tmpMeta = Files.createTempFile(dir, ".meta", ".tmp");
      Files.writeString(tmpMeta, String.join("\n", META, key, written.digest(), written.diffId(),
          Long.toString(written.size()), Long.toString(written.uncompressedSize()), Integer.toString(written.entries()))
          + "\n", StandardCharsets.UTF_8);
      // The layer first: a meta file never names a layer that is not there whole.
      Files.move(tmpLayer, dir.resolve(key + ".tar.gz"), StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
      tmpLayer = null;
      Files.move(tmpMeta, dir.resolve(key + ".meta"), StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
      tmpMeta = null;
      prune();
    } catch (IOException | RuntimeException e) {
      // best effort
    } finally {
      for (Path p : new Path[] {tmpLayer, tmpMeta}) {
        if (p != null) {
          try {
            Files.deleteIfExists(p);
          } catch (IOException e) {
            // best effort
          }
        }
      }
    }
  }

  /** Removes all but the {@link #KEEP} most recently used layers. */
  private void prune() throws IOException {
    List<Path> layers = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.tar.gz")) {
      s.forEach(layers::add);
    }
    if (layers.size() <= KEEP) {
      return;
    }
    layers.sort(Comparator.comparing((Path p) -> {
      try {
        return Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS);
      } catch (IOException e) {
        return FileTime.fromMillis(0);
      }
    }).reversed());
    for (Path old : layers.subList(KEEP, layers.size())) {
      String name = old.getFileName().toString();
      Files.deleteIfExists(dir.resolve(name.substring(0, name.length() - ".tar.gz".length()) + ".meta"));
      Files.deleteIfExists(old);
    }
  }
}
