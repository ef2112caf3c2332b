package dev.apkimg.pipeline;

import dev.apkimg.ApkimgException;
import dev.apkimg.Hint;
import dev.apkimg.api.BuildEvent;
import dev.apkimg.apk.PackageInfo;
import dev.apkimg.fetch.PackageFetcher;
import dev.apkimg.repo.Credentials;
import dev.apkimg.repo.Keyring;
import dev.apkimg.repo.Repository;
import dev.apkimg.repo.RepositoryException;
import dev.apkimg.resolve.Lockfile;
import dev.apkimg.resolve.RepositoryPackage;
import dev.apkimg.rootfs.PackageSource;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Step 2, lock or pin: records what was resolved and fetched as a lockfile's architecture, or
 * installs what a lockfile pins instead of resolving (then no index is read; the pinned URLs,
 * checksums and keys are the only source).
 */
final class PinStep {
  private PinStep() {}

  /** One architecture's pins, after {@link ResolveStep} and {@link FetchStep}. */
  static Lockfile.Arch record(ArchBuild a) {
    List<RepositoryPackage> packages = a.resolution.packages();
    List<Lockfile.Package> pinned = new ArrayList<>();
    for (int i = 0; i < packages.size(); i++) {
      RepositoryPackage p = packages.get(i);
      PackageFetcher.Fetched f = a.fetched.get(i);
      // The verified file's length (what the index's S: bounded): a pinned download may bring no more.
      long size;
      try {
        size = Files.size(f.file());
      } catch (IOException e) {
        throw new ApkimgException("cannot read " + f.file() + ": " + e.getMessage(), e);
      }
      pinned.add(new Lockfile.Package(p.info().name(), p.info().version(),
          p.repository().packageUri(a.arch, p.info().fileName()).toString(), p.info().checksum(),
          f.read().dataHash(), size));
    }
    SortedMap<String, String> keys = new TreeMap<>();
    a.keyring.usedKeys().forEach((name, pem) -> keys.put(name, new String(pem, StandardCharsets.US_ASCII)));
    return new Lockfile.Arch(a.repositories.stream().map(Repository::spec).toList(), keys, pinned);
  }

  /** Fetches and verifies the packages {@code c.lockfile} pins for {@code a}'s architecture: resolve and fetch in one. */
  static void install(BuildContext c, ArchBuild a) {
    Path lockfile = c.lockfile;
    Lockfile lock = Lockfile.read(lockfile);
    a.lockfileSha256 = BuildContext.sha256(lockfile);
    if (!c.profile.checksum().equals(lock.profileChecksum())) {
      throw new ApkimgException("lockfile " + lockfile + " is stale: " + c.profileFile
          + " has changed since it was locked", Hint.REFRESH_LOCKFILE);
    }
    Lockfile.Arch pinned = lock.archs().get(a.arch);
    if (pinned == null) {
      throw new ApkimgException("lockfile " + lockfile + " has no packages for " + a.arch + " (it has "
          + String.join(", ", lock.archs().keySet()) + ")", Hint.REFRESH_LOCKFILE);
    }
    c.emit(new BuildEvent.Pinned(a.arch, pinned.packages().size(), lockfile.toString()));
    Map<String, byte[]> pems = new TreeMap<>();
    pinned.keyring().forEach((name, pem) -> pems.put(name, pem.getBytes(StandardCharsets.US_ASCII)));
    a.keyring = Keyring.ofPems(pems);
    List<Repository> overrides = c.request.repositories().stream().map(r -> Repository.parse(r, null)).toList();
    // A lockfile records no credentials: a pinned URL is read with those of the profile's repository there.
    Map<URI, Credentials> credentials = new HashMap<>();
    java.util.stream.Stream.concat(c.profile.contents().repositories().stream(),
        c.profile.contents().buildRepositories().stream()).map(r -> Repository.parse(r, c.baseDir))
        .filter(r -> r.credentials() != null).forEach(r -> credentials.putIfAbsent(r.base(), r.credentials()));
    warnIfUnsized(c, pinned, lockfile);
    List<PackageFetcher.Wanted> packages = new ArrayList<>();
    for (Lockfile.Package p : pinned.packages()) {
      PackageInfo info = PackageInfo.pinned(p.checksum(), p.name(), p.version(), a.arch);
      if (p.size() != null) {
        info = info.withSize(p.size()); // the download's progress shows how much of it has arrived
      }
      Repository repo = overrides.isEmpty() ? repositoryOf(p.url(), a.arch, info.fileName(), lockfile) : overrides.get(0);
      if (repo.credentials() == null) {
        repo = repo.withCredentials(credentials.get(repo.base()));
      }
      packages.add(new PackageFetcher.Wanted(new RepositoryPackage(info, repo, 0), p.dataSha256(),
          downloadLimit(p, lockfile)));
    }
    try {
      a.fetched = FetchStep.fetch(c, a, packages,
          p -> p.nameVersion() + " is pinned by " + lockfile + " but the mirror no longer has it");
    } catch (ApkimgException e) {
      if (e.getCause() instanceof RepositoryException r && r.isNotFound()) {
        throw new ApkimgException(e.getMessage(), Hint.REFRESH_LOCKFILE, e);
      }
      throw e;
    }
    List<PackageSource> sources = new ArrayList<>();
    for (PackageFetcher.Fetched f : a.fetched) {
      long size;
      try {
        size = Files.size(f.file());
      } catch (IOException e) {
        throw new ApkimgException("cannot read " + f.file() + ": " + e.getMessage(), e);
      }
      sources.add(new PackageSource(f.read().info().withSize(size), f.file(), f.read()));
    }
    a.sources = sources;
    a.packageRepositories = packages.stream().map(w -> w.pkg().repository()).toList();
    a.imageRepositories = RepositoryLists.image(c.profile, c::detail);
    a.keys = RepositoryLists.imageKeys(pems, c.profile, c.profileFile);
  }

  /**
   * The checksums are compared only once a download is complete: its size, pinned or else a
   * fixed maximum, is what stops a mirror that sends without end.
   */
  private static PackageFetcher.DownloadLimit downloadLimit(Lockfile.Package p, Path lockfile) {
    if (p.size() != null) {
      return new PackageFetcher.DownloadLimit(p.size(), "that " + lockfile + " pins for it (size)");
    }
    return new PackageFetcher.DownloadLimit(Lockfile.UNSIZED_DOWNLOAD_LIMIT, "(" + UNSIZED_LIMIT_TEXT
        + ") apkimg accepts for a package whose size " + lockfile + " does not record"
        + "; run apkimg lock again to record sizes");
  }

  private static final String UNSIZED_LIMIT_TEXT =
      dev.apkimg.apk.BoundedInputStream.describe(Lockfile.UNSIZED_DOWNLOAD_LIMIT);

  /** A lockfile from before sizes were recorded still builds, capped less tightly: said once per build. */
  private static void warnIfUnsized(BuildContext c, Lockfile.Arch pinned, Path lockfile) {
    long unsized = pinned.packages().stream().filter(p -> p.size() == null).count();
    if (unsized == 0 || c.warnedUnsizedLockfile) {
      return;
    }
    c.warnedUnsizedLockfile = true;
    c.emit(new BuildEvent.Warning("lockfile " + lockfile + " records no size for " + unsized + " of "
        + pinned.packages().size() + " packages (it was written by an older apkimg): their downloads are capped at "
        + UNSIZED_LIMIT_TEXT + " each instead of their exact sizes; run apkimg lock again to record them", null));
  }

  /** The repository a pinned URL lives in: the URL without {@code /ARCH/FILE}. */
  private static Repository repositoryOf(String url, String arch, String fileName, Path lockfile) {
    String suffix = "/" + arch + "/" + fileName;
    if (!url.endsWith(suffix)) {
      throw new ApkimgException("lockfile " + lockfile + ": URL " + Credentials.redact(url) + " does not end in " + suffix);
    }
    return Repository.parse(url.substring(0, url.length() - suffix.length()), null);
  }
}
