package dev.apkimg.pipeline;

import dev.apkimg.api.BuildEvent;
import dev.apkimg.apk.PackageInfo;
import dev.apkimg.fetch.PackageCache;
import dev.apkimg.fetch.PackageFetcher;
import dev.apkimg.resolve.RepositoryPackage;
import dev.apkimg.rootfs.PackageSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/** Step 3: downloads (or takes from the cache) and verifies the resolved packages of one architecture. */
final class FetchStep {
  private FetchStep() {}

  static void run(BuildContext c, ArchBuild a) {
    List<RepositoryPackage> packages = a.resolution.packages();
    a.fetched = fetch(c, a, packages.stream().map(PackageFetcher.Wanted::of).toList(),
        p -> "the index lists " + p.nameVersion() + " but the mirror does not have it");
    List<PackageSource> sources = new ArrayList<>();
    for (int i = 0; i < a.fetched.size(); i++) {
      PackageFetcher.Fetched f = a.fetched.get(i);
      sources.add(new PackageSource(packages.get(i).info(), f.file(), f.read()));
    }
    a.sources = sources;
    a.packageRepositories = packages.stream().map(RepositoryPackage::repository).toList();
    a.imageRepositories = RepositoryLists.image(c.profile, c::detail);
    a.keys = RepositoryLists.imageKeys(a.keyring.usedKeys(), c.profile, c.profileFile);
  }

  /**
   * Fetches {@code packages} with {@code a}'s keyring; warnings, details and each download's
   * progress reach the listener, and at the end how many were downloaded and how many cached.
   */
  static List<PackageFetcher.Fetched> fetch(BuildContext c, ArchBuild a, List<PackageFetcher.Wanted> packages,
      Function<dev.apkimg.apk.PackageInfo, String> notFound) {
    long start = System.nanoTime();
    c.emit(new BuildEvent.Fetching(a.arch, packages.size()));
    PackageFetcher fetcher = new PackageFetcher(c.client, new PackageCache(c.cacheDir), a.keyring,
        c.request.parallelism());
    AtomicInteger downloaded = new AtomicInteger();
    AtomicLong downloadedBytes = new AtomicLong();
    List<PackageFetcher.Fetched> fetched = fetcher.fetchVerified(packages, a.arch, new PackageFetcher.Listener() {
      @Override
      public void detail(String message) {
        c.detail(message);
      }

      @Override
      public void warn(String message) {
        c.emit(new BuildEvent.Warning(message, null));
      }

      @Override
      public void downloading(PackageInfo p, long bytes) {
        c.emit(new BuildEvent.Downloading(a.arch, p.nameVersion(), bytes, Math.max(0, p.size())));
      }

      @Override
      public void downloaded(PackageInfo p, long bytes, long nanos) {
        downloaded.incrementAndGet();
        downloadedBytes.addAndGet(bytes);
        c.emit(new BuildEvent.Downloaded(a.arch, p.nameVersion(), bytes, nanos));
      }

      @Override
      public void cached(PackageInfo p, long bytes) {
        c.emit(new BuildEvent.Cached(a.arch, p.nameVersion(), bytes));
      }
    }, notFound);
    // A cached entry that failed its check was downloaded again: it counts as downloaded.
    c.emit(new BuildEvent.Fetched(a.arch, downloaded.get(), downloadedBytes.get(),
        packages.size() - downloaded.get(), System.nanoTime() - start));
    return fetched;
  }
}
