package dev.apkimg.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which repository of one registry received which blob in earlier pushes from this machine, kept
 * in {@code CACHE/pushed/HEX} (HEX: the SHA-256 of the registry's name, so no name from outside
 * becomes a path). It only says where to ask for a cross-repository mount: the registry checks
 * every mount itself and a refused one is uploaded, so a stale, corrupt or forged record costs
 * an upload at most. A file that is too large, not ours or for another registry is ignored, as
 * is every line that is not a digest and a valid repository name.
 *
 * <p>Format, UTF-8 lines: {@code apkimg pushed blobs 1}, {@code registry NAME}, then one
 * {@code sha256:HEX REPOSITORY} per blob, the most recent last.
 */
final class PushedBlobs {
  static final String MAGIC = "apkimg pushed blobs 1";
  /** A record larger than this is not ours (a full one is about 1.5 MB) and is ignored. */
  static final int MAX_BYTES = 4 << 20;
  /** The blobs remembered per registry; the oldest are forgotten first. */
  static final int MAX_ENTRIES = 16_384;
  /** Repository names as the OCI distribution spec allows them, bounded. */
  private static final Pattern REPOSITORY = Pattern.compile(
      "[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*)*");
  private static final int MAX_REPOSITORY = 255;
  private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
  private static final System.Logger LOG = System.getLogger(PushedBlobs.class.getName());

  private final Path file;
  private final String registry;
  /** Digest to repository, least recently recorded first. */
  private final LinkedHashMap<String, String> sources;

  private PushedBlobs(Path file, String registry, LinkedHashMap<String, String> sources) {
    this.file = file;
    this.registry = registry;
    this.sources = sources;
  }

  /** No record: nothing is mounted, nothing is kept. */
  static PushedBlobs none(String registry) {
    return new PushedBlobs(null, registry, new LinkedHashMap<>());
  }

  /** The record of {@code registry} in {@code cacheDir}, empty when there is none or it is not usable. */
  static PushedBlobs load(Path cacheDir, String registry) {
    if (cacheDir == null) {
      return none(registry);
    }
    Path file = cacheDir.resolve("pushed").resolve(fileName(registry));
    return new PushedBlobs(file, registry, read(file, registry));
  }

  /** The file name of a registry's record: fixed form, whatever the registry's name. */
  static String fileName(String registry) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha.digest(registry.toLowerCase(java.util.Locale.ROOT)
          .getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static LinkedHashMap<String, String> read(Path file, String registry) {
    LinkedHashMap<String, String> sources = new LinkedHashMap<>();
    try {
      if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || Files.size(file) > MAX_BYTES) {
        return sources;
      }
      byte[] bytes;
      try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
        bytes = in.readNBytes(MAX_BYTES + 1);
      }
      if (bytes.length > MAX_BYTES) {
        return sources;
      }
      return parse(new String(bytes, StandardCharsets.UTF_8), registry);
    } catch (IOException | UncheckedIOException | SecurityException e) {
      return sources;
    }
  }

  /** The entries of a record's text, or none when it is not a record of {@code registry}. */
  static LinkedHashMap<String, String> parse(String text, String registry) {
    LinkedHashMap<String, String> sources = new LinkedHashMap<>();
    String[] lines = text.split("\n", -1);
    if (lines.length < 2 || !lines[0].equals(MAGIC) || !lines[1].equals("registry " + registry)) {
      return sources;
    }
    for (int i = 2; i < lines.length; i++) {
      String line = lines[i];
      int space = line.indexOf(' ');
      if (space < 0) {
        continue;
      }
      String digest = line.substring(0, space);
      String repository = line.substring(space + 1);
      if (DIGEST.matcher(digest).matches() && validRepository(repository)) {
        put(sources, digest, repository);
      }
    }
    return sources;
  }

  static boolean validRepository(String repository) {
    return repository.length() <= MAX_REPOSITORY && REPOSITORY.matcher(repository).matches();
  }

  /** A repository other than {@code target} that received {@code digest}, as far as this machine knows. */
  Optional<String> sourceFor(String digest, String target) {
    String repository = sources.get(digest);
    return repository == null || repository.equals(target) ? Optional.empty() : Optional.of(repository);
  }

  /**
   * The repository most of {@code digests} would be mounted from: a token registry is asked for
   * pull access to it together with the push scope, so those mounts are allowed.
   */
  Optional<String> commonSource(Collection<String> digests, String target) {
    Map<String, Integer> counts = new HashMap<>();
    for (String digest : digests) {
      sourceFor(digest, target).ifPresent(r -> counts.merge(r, 1, Integer::sum));
    }
    return counts.entrySet().stream().max(Map.Entry.<String, Integer>comparingByValue()
        .thenComparing(Map.Entry.comparingByKey())).map(Map.Entry::getKey);
  }

  /** Notes that {@code repository} now holds {@code digests}. */
  void record(String repository, Collection<String> digests) {
    if (!validRepository(repository)) {
      return;
    }
    for (String digest : digests) {
      if (DIGEST.matcher(digest).matches()) {
        put(sources, digest, repository);
      }
    }
  }

  private static void put(LinkedHashMap<String, String> sources, String digest, String repository) {
    sources.remove(digest);
    sources.put(digest, repository);
    if (sources.size() > MAX_ENTRIES) {
      sources.remove(sources.keySet().iterator().next());
    }
  }

  int size() {
    return sources.size();
  }

  /**
   * Writes the record atomically (a concurrent build may lose its entries, never corrupt the
   * file). Best effort: the record only saves uploads, so a cache that cannot be written costs
   * nothing but the next push's mounts.
   */
  void save() {
    if (file == null) {
      return;
    }
    StringBuilder b = new StringBuilder(MAGIC).append('\n').append("registry ").append(registry).append('\n');
    sources.forEach((digest, repository) -> b.append(digest).append(' ').append(repository).append('\n'));
    Path tmp = null;
    try {
      Files.createDirectories(file.getParent());
      tmp = Files.createTempFile(file.getParent(), ".pushed", ".tmp");
      Files.writeString(tmp, b, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      tmp = null;
    } catch (IOException | UncheckedIOException | SecurityException e) {
      LOG.log(System.Logger.Level.DEBUG, () -> "cannot keep the record of pushed blobs in " + file
          + ": " + e.getMessage());
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException e) {
          // Best effort: a leftover temporary file in the cache is harmless.
        }
      }
    }
  }
}
