package dev.apkimg.fetch;

import dev.apkimg.ApkimgException;
import dev.apkimg.apk.ApkPackage;
import dev.apkimg.apk.ApkPackageReader;
import dev.apkimg.apk.KeyLookup;
import dev.apkimg.apk.PackageInfo;
import dev.apkimg.repo.RepositoryClient;
import dev.apkimg.repo.RepositoryException;
import dev.apkimg.resolve.RepositoryPackage;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Downloads packages in parallel into the {@link PackageCache}, verifying each as its bytes
 * arrive: the control stream's SHA-1 must be the index's {@code C:} checksum (the index is
 * signed, so this vouches for the package, as in apk), the data must match {@code datahash},
 * and a signature by a trusted key must hold.
 */
public final class PackageFetcher {
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

  /** Returns the cached file of each package, in the given order. */
  public List<Path> fetch(List<RepositoryPackage> packages, String arch, Consumer<String> progress) {
    return fetch(packages, arch, progress,
        p -> "the index lists " + p.nameVersion() + " but the mirror does not have it");
  }

  /**
   * As {@link #fetch(List, String, Consumer)}; {@code notFoundHint} explains to the user why a
   * package the mirror does not have was expected there.
   */
  public List<Path> fetch(List<RepositoryPackage> packages, String arch, Consumer<String> progress,
      java.util.function.Function<PackageInfo, String> notFoundHint) {
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallelism, Math.max(1, packages.size())), r -> {
      Thread t = new Thread(r, "apkimg-fetch");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<Path>> futures = new ArrayList<>();
      for (RepositoryPackage p : packages) {
        futures.add(pool.submit(() -> fetchOne(p, arch, progress, notFoundHint)));
      }
      List<Path> out = new ArrayList<>();
      for (Future<Path> f : futures) {
        try {
          out.add(f.get());
        } catch (ExecutionException e) {
          futures.forEach(other -> other.cancel(true));
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

  private Path fetchOne(RepositoryPackage rp, String arch, Consumer<String> progress,
      java.util.function.Function<PackageInfo, String> notFoundHint) throws IOException {
    PackageInfo p = rp.info();
    Path target = cache.path(p);
    if (cache.contains(p)) {
      return target;
    }
    URI uri = rp.repository().packageUri(arch, p.fileName());
    progress.accept("fetching " + uri);
    Path tmp = cache.newTempFile(p);
    try {
      ApkPackage read;
      try (InputStream net = client.open(uri, rp.repository().credentials());
           OutputStream file = Files.newOutputStream(tmp);
           InputStream tee = new TeeInputStream(net, file)) {
        read = ApkPackageReader.read(tee, keys, uri.toString(), ApkPackageReader.SKIP_DATA);
      } catch (RepositoryException e) {
        throw new ApkimgException(e.getMessage()
            + (e.isNotFound() ? " (" + notFoundHint.apply(p) + ")" : ""), e);
      } catch (IOException e) {
        throw new ApkimgException("package " + p.nameVersion() + " from " + uri + " is invalid: " + e.getMessage(), e);
      }
      if (!read.controlChecksum().equals(p.checksum())) {
        throw new ApkimgException("package " + p.nameVersion() + " from " + uri + " is not the one expected: checksum "
            + read.controlChecksum() + ", expected " + p.checksum() + " (mirror out of sync, or the file was tampered with)");
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return target;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Copies every byte read to a sink: download and verification in one pass. */
  private static final class TeeInputStream extends FilterInputStream {
    private final OutputStream sink;

    TeeInputStream(InputStream in, OutputStream sink) {
      super(in);
      this.sink = sink;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        sink.write(b);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        sink.write(b, off, n);
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      byte[] buf = new byte[(int) Math.min(n, 8192)];
      int r = read(buf, 0, buf.length);
      return Math.max(r, 0);
    }
  }
}
