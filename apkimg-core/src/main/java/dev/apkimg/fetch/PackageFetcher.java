package dev.apkimg.fetch;

import dev.apkimg.ApkimgException;
import dev.apkimg.ProgressThrottle;
import dev.apkimg.apk.ApkFormatException;
import dev.apkimg.apk.ApkPackage;
import dev.apkimg.apk.ApkPackageReader;
import dev.apkimg.apk.BoundedInputStream;
import dev.apkimg.apk.KeyLookup;
import dev.apkimg.apk.PackageInfo;
import dev.apkimg.repo.RepositoryClient;
import dev.apkimg.repo.RepositoryException;
import dev.apkimg.resolve.RepositoryPackage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Downloads packages in parallel into the {@link PackageCache}, verifying each as its bytes
 * arrive: the control stream's SHA-1 must be the index's {@code C:} checksum (the index is
 * signed, so this vouches for the package, as in apk), the data must match {@code datahash} (and
 * a lockfile's data SHA-256 where it pins one), a signature by a trusted key must hold, and the
 * package must be built for the build's architecture (or {@code noarch}). A download may not
 * exceed the size the index declares ({@code S:}), or the limit its {@link Wanted} sets.
 *
 * <p>A cached file is verified the same way on every use: one that fails (replaced, truncated,
 * corrupt) is evicted with one warning and fetched again.
 */
public final class PackageFetcher {
  /** The architecture apk installs on any machine. */
  public static final String NOARCH = "noarch";

  /** What the fetcher reports: progress for verbose output, and one-line warnings. */
  public interface Listener {
    void detail(String message);

    void warn(String message);

    /**
     * Bytes of {@code p} have arrived from its repository, {@code bytes} so far: at most every
     * {@link ProgressThrottle#EVENT_INTERVAL_MILLIS} per package, and once with all
     * its bytes. Not called for a package taken from the cache. Called from the download threads.
     */
    default void downloading(PackageInfo p, long bytes) {}

    /** {@code p} was downloaded ({@code bytes}) and verified, {@code nanos} after its download began. */
    default void downloaded(PackageInfo p, long bytes, long nanos) {}

    /** {@code p} was in the cache ({@code bytes}, the file's size) and verified there: no download. */
    default void cached(PackageInfo p, long bytes) {}
  }

  /**
   * A package to fetch: as its repository offers it, the data SHA-256 a lockfile pins for it
   * (null if none), and the most its download may be (null: the size its index declares, if any).
   */
  public record Wanted(RepositoryPackage pkg, String dataSha256, DownloadLimit limit) {
    public Wanted(RepositoryPackage pkg, String dataSha256) {
      this(pkg, dataSha256, null);
    }

    public static Wanted of(RepositoryPackage pkg) {
      return new Wanted(pkg, null);
    }
  }

  /**
   * The most bytes a download may have, and who says so, as the refusal words it after "the
   * mirror sent more than the N bytes " (e.g. "the index declares for it (S:)").
   */
  public record DownloadLimit(long bytes, String source) {
    public DownloadLimit {
      if (bytes <= 0) {
        throw new IllegalArgumentException("a download limit must be positive: " + bytes);
      }
    }
  }

  /**
   * A verified package file in the cache, what reading it established, and the SHA-256 (hex) of
   * the file's bytes, taken in the same pass (for provenance: the .apk as fetched).
   */
  public record Fetched(Path file, ApkPackage read, String fileSha256) {}

  private final RepositoryClient client;
  private final PackageCache cache;
  private final KeyLookup keys;
  private final int parallelism;

  public PackageFetcher(RepositoryClient client, PackageCache cache, KeyLookup keys, int parallelism) {
    this.client = client;
    this.cache = cache;
    this.keys = keys;
    this.parallelism = Math.max(1, parallelism);
  }

  /** Returns the cached file of each package, in the given order; warnings go to {@code progress}. */
  public List<Path> fetch(List<RepositoryPackage> packages, String arch, Consumer<String> progress) {
    return fetch(packages, arch, progress,
        p -> "the index lists " + p.nameVersion() + " but the mirror does not have it");
  }

  /**
   * As {@link #fetch(List, String, Consumer)}; {@code notFoundHint} explains to the user why a
   * package the mirror does not have was expected there.
   */
  public List<Path> fetch(List<RepositoryPackage> packages, String arch, Consumer<String> progress,
      Function<PackageInfo, String> notFoundHint) {
    Listener listener = new Listener() {
      @Override
      public void detail(String message) {
        progress.accept(message);
      }

      @Override
      public void warn(String message) {
        progress.accept(message);
      }
    };
    return fetchVerified(packages.stream().map(Wanted::of).toList(), arch, listener, notFoundHint).stream()
        .map(Fetched::file).toList();
  }

  /**
   * Fetches (or takes from the cache, verified) each package, in the given order. Throws
   * {@link ApkimgException} naming the package and the URL or file when one cannot be had.
   */
  public List<Fetched> fetchVerified(List<Wanted> packages, String arch, Listener listener,
      Function<PackageInfo, String> notFoundHint) {
    // What the index says is checked for every package before any download starts.
    packages.forEach(w -> PackageChecks.checkIndexEntry(w.pkg(), arch));
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallelism, Math.max(1, packages.size())), r -> {
      Thread t = new Thread(r, "apkimg-fetch");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<Fetched>> futures = new ArrayList<>();
      for (Wanted w : packages) {
        futures.add(pool.submit(() -> fetchOne(w, arch, listener, notFoundHint)));
      }
      List<Fetched> out = new ArrayList<>();
      for (Future<Fetched> f : futures) {
        try {
          out.add(f.get());
        } catch (ExecutionException e) {
          futures.forEach(other -> other.cancel(true));
          awaitOthers(pool);
          Throwable cause = e.getCause();
          if (cause instanceof RuntimeException re) {
            throw re;
          }
          throw new ApkimgException(cause.getMessage(), cause);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new ApkimgException("interrupted while downloading packages", e);
        }
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  private Fetched fetchOne(Wanted w, String arch, Listener listener, Function<PackageInfo, String> notFoundHint)
      throws IOException {
    RepositoryPackage rp = w.pkg();
    PackageInfo p = rp.info();
    URI uri = rp.repository().packageUri(arch, p.fileName());
    PackageChecks.checkIndexEntry(rp, arch);
    Path target = cache.path(p);
    String evicted = null;
    if (Files.isRegularFile(target)) {
      try {
        java.security.MessageDigest sha256 = CachedPackage.sha256();
        ApkPackage read = CachedPackage.verify(target, w, arch, uri, keys, sha256);
        listener.cached(p, Files.size(target));
        return new Fetched(target, read, java.util.HexFormat.of().formatHex(sha256.digest()));
      } catch (ApkFormatException e) {
        CachedPackage.evict(target, p);
        evicted = "cached package " + p.nameVersion() + " (" + target + ") " + e.getMessage();
      }
    }
    Fetched fetched;
    try {
      fetched = download(w, arch, uri, target, listener, notFoundHint);
    } catch (ApkimgException e) {
      if (evicted == null) {
        throw e;
      }
      // One line either way: the eviction is part of the error.
      throw new ApkimgException(e.getMessage() + "; before that, the " + evicted
          + " and was removed from the cache, so the next build fetches it afresh", e);
    }
    if (evicted != null) {
      listener.warn(evicted + ": removed it and fetched it again");
    }
    return fetched;
  }

  /** After a failure: the other downloads are cancelled; wait for them to remove their partial files. */
  private static void awaitOthers(ExecutorService pool) {
    pool.shutdownNow();
    try {
      if (!pool.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS)) {
        return; // a download that ignores interruption: its partial file is left to the next build
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private Fetched download(Wanted w, String arch, URI uri, Path target, Listener listener,
      Function<PackageInfo, String> notFoundHint) throws IOException {
    PackageInfo p = w.pkg().info();
    long start = System.nanoTime();
    listener.detail("fetching " + uri);
    // Written beside the cache entry and moved onto it once verified: readers see it whole or not at all.
    try (dev.apkimg.OutputFiles staged = new dev.apkimg.OutputFiles()) {
      Path tmp = staged.stage(target, ".part");
      ApkPackage read;
      java.security.MessageDigest sha256 = CachedPackage.sha256();
      // The digest of exactly the bytes the cache file gets.
      ProgressThrottle<Long> throttle = ProgressThrottle.forEvents();
      ArrivedBytes arrived;
      try (InputStream net = capped(client.open(uri, w.pkg().repository().credentials()), w);
           InputStream counted = arrived = new ArrivedBytes(net,
               n -> throttle.maybe(n, bytes -> listener.downloading(p, bytes)));
           OutputStream file = new java.security.DigestOutputStream(Files.newOutputStream(tmp), sha256);
           InputStream tee = new TeeInputStream(counted, file)) {
        read = ApkPackageReader.read(tee, keys, uri.toString(), ApkPackageReader.SKIP_DATA);
      } catch (RepositoryException e) {
        throw new ApkimgException(e.getMessage()
            + (e.isNotFound() ? " (" + notFoundHint.apply(p) + ")" : ""), e.hint(), e);
      } catch (IOException e) {
        throw new ApkimgException("package " + p.nameVersion() + " from " + uri + " is invalid: " + e.getMessage(), e);
      }
      if (!read.controlChecksum().equals(p.checksum())) {
        throw new ApkimgException("package " + p.nameVersion() + " from " + uri + " is not the one expected: checksum "
            + read.controlChecksum() + ", expected " + p.checksum() + " (mirror out of sync, or the file was tampered with)");
      }
      if (w.dataSha256() != null && !w.dataSha256().equalsIgnoreCase(read.dataHash())) {
        throw new ApkimgException("package " + p.nameVersion() + " from " + uri + " does not match its pinned data"
            + " SHA-256: got " + read.dataHash() + ", pinned " + w.dataSha256());
      }
      // Every byte the cache file holds has arrived: the last progress report says so.
      long bytes = arrived.count();
      throttle.last(bytes, all -> listener.downloading(p, all));
      PackageChecks.checkPackageArch(read, p, arch, uri);
      staged.commit();
      listener.downloaded(p, bytes, System.nanoTime() - start);
      return new Fetched(target, read, java.util.HexFormat.of().formatHex(sha256.digest()));
    }
  }

  /** Counts the bytes read from a download and reports the running count after each read. */
  private static final class ArrivedBytes extends java.io.FilterInputStream {
    private final java.util.function.LongConsumer report;
    private long count;

    ArrivedBytes(InputStream in, java.util.function.LongConsumer report) {
      super(in);
      this.report = report;
    }

    long count() {
      return count;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        count += n;
        report.accept(count);
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      byte[] buf = new byte[(int) Math.min(Math.max(n, 0), 8192)];
      int r = read(buf, 0, buf.length);
      return Math.max(r, 0);
    }
  }

  /**
   * Ends the download with an error past its limit: the wanted one, else the size the index
   * declares ({@code S:}) where it declares one. Checked as the bytes arrive, so an endless
   * body stops there, not at the end, where the checksums are compared.
   */
  private static InputStream capped(InputStream net, Wanted w) {
    DownloadLimit limit = w.limit();
    if (limit == null && w.pkg().info().size() > 0) {
      limit = new DownloadLimit(w.pkg().info().size(), "the index declares for it (S:)");
    }
    if (limit == null) {
      return net;
    }
    String source = limit.source();
    return new BoundedInputStream(net, limit.bytes(), bytes -> new ApkFormatException(
        "the mirror sent more than the " + bytes + " bytes " + source));
  }
}
