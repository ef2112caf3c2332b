package dev.apkimg.pipeline;

import dev.apkimg.ApkimgException;
import dev.apkimg.Hint;
import dev.apkimg.api.BuildEvent;
import dev.apkimg.apk.ApkFormatException;
import dev.apkimg.apk.ApkIndex;
import dev.apkimg.apk.ApkIndexReader;
import dev.apkimg.apk.BoundedInputStream;
import dev.apkimg.apk.Dependency;
import dev.apkimg.apk.PackageInfo;
import dev.apkimg.apk.SignatureStatus;
import dev.apkimg.repo.Keyring;
import dev.apkimg.repo.Repository;
import dev.apkimg.repo.RepositoryException;
import dev.apkimg.resolve.RepositoryPackage;
import dev.apkimg.resolve.Resolution;
import dev.apkimg.resolve.Resolver;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Step 1: the repositories and keys in effect, each repository's index read under the signature
 * policy, and the packages chosen, for one architecture.
 */
final class ResolveStep {
  private ResolveStep() {}

  static void run(BuildContext c, ArchBuild a) {
    List<Repository> repositories = (c.request.repositories().isEmpty()
        ? c.profile.contents().repositories().stream().map(r -> Repository.parse(r, c.baseDir))
        : c.request.repositories().stream().map(r -> Repository.parse(r, null))).toList();
    if (repositories.isEmpty()) {
      throw new ApkimgException(c.profileFile + ": contents.repositories is empty: name a repository in the profile,"
          + " or give one to the build");
    }
    // Keys given to the build win over the profile's of the same name (air-gapped copies).
    Keyring keyring = Keyring.of(c.request.extraKeys(), null, c.client, c.cacheDir)
        .with(Keyring.of(c.profile.contents().keyring(), c.baseDir, c.client, c.cacheDir));

    List<RepositoryPackage> available = new ArrayList<>();
    for (int i = 0; i < repositories.size(); i++) {
      Repository repo = repositories.get(i);
      for (PackageInfo p : readIndex(c, repo, a.arch, keyring).packages()) {
        available.add(new RepositoryPackage(p, repo, i));
      }
    }
    List<Dependency> world = c.profile.contents().packages().stream().map(Dependency::parse).toList();
    Resolution resolution = new Resolver(available).resolve(world);
    c.emit(new BuildEvent.Resolved(a.arch, resolution.packages().stream().map(RepositoryPackage::toString).toList()));
    a.repositories = repositories;
    a.keyring = keyring;
    a.resolution = resolution;
  }

  private static ApkIndex readIndex(BuildContext c, Repository repo, String arch, Keyring keyring) {
    URI uri = repo.indexUri(arch);
    c.detail("reading " + uri);
    // The signature is judged before a byte of the index is parsed; the download is bounded.
    ApkIndexReader.SignaturePolicy policy = sig -> {
      if (!sig.isVerified()) {
        String problem = "index " + uri + " " + sig.describe();
        if (sig.kind() == SignatureStatus.Kind.BAD_SIGNATURE) {
          throw new ApkimgException(problem + ": the file is corrupt or was tampered with");
        }
        if (!c.request.allowUntrusted()) {
          if (sig.kind() == SignatureStatus.Kind.UNTRUSTED_KEY) {
            throw new ApkimgException(problem + ": add " + sig.keyName() + " to contents.keyring, or trust it for this build",
                Hint.ADD_KEY);
          }
          throw new ApkimgException(problem + ": sign it, or accept it for this build", Hint.ALLOW_UNTRUSTED);
        }
        c.emit(new BuildEvent.Warning(problem + "; accepted", Hint.ALLOW_UNTRUSTED));
      }
    };
    ApkIndex index;
    try (InputStream in = new BufferedInputStream(new BoundedInputStream(c.client.open(uri, repo.credentials()),
        ApkIndexReader.MAX_INDEX_FILE, limit -> new ApkFormatException("the file is larger than "
            + BoundedInputStream.describe(limit) + " (the limit)")), 1 << 16)) {
      index = ApkIndexReader.read(in, keyring, policy);
    } catch (RepositoryException e) {
      if (e.isNotFound()) {
        throw new ApkimgException(e.getMessage() + " (is " + repo.spec() + " an apk repository with an " + arch
            + " folder?)", e);
      }
      throw new ApkimgException(e.getMessage() + " (is the mirror reachable? point the build at another mirror)",
          e.hint() != null ? e.hint() : Hint.OTHER_REPOSITORY, e);
    } catch (IOException e) {
      throw new ApkimgException("index " + uri + " is not a valid APKINDEX.tar.gz: " + e.getMessage(), e);
    }
    c.detail("index " + uri + ": " + index.packages().size() + " packages, " + index.signature().describe());
    return index;
  }
}
