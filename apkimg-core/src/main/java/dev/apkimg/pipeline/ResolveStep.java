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
import dev.apkimg.sbom.ProvenanceFacts;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Step 1: the repositories and keys in effect, each repository's index read under the signature
 * policy, and the packages chosen, for one architecture.
 */
final class ResolveStep {
  private ResolveStep() {}

  static void run(BuildContext c, ArchBuild a) {
    List<Repository> repositories = RepositoryLists.build(c);
    // Keys given to the build win over the profile's of the same name (air-gapped copies).
    Keyring keyring = Keyring.of(c.request.extraKeys(), null, c.client, c.cacheDir)
        .with(Keyring.of(c.profile.contents().keyring(), c.baseDir, c.client, c.cacheDir));

    List<RepositoryPackage> available = new ArrayList<>();
    List<ProvenanceFacts.Index> indexes = new ArrayList<>();
    for (int i = 0; i < repositories.size(); i++) {
      Repository repo = repositories.get(i);
      for (PackageInfo p : readIndex(c, repo, a.arch, keyring, indexes).packages()) {
        available.add(new RepositoryPackage(p, repo, i));
      }
    }
    List<Dependency> world = c.profile.world().stream().map(Dependency::parse).toList();
    Resolution resolution = new Resolver(available).resolve(world);
    c.emit(new BuildEvent.Resolved(a.arch, resolution.packages().stream().map(RepositoryPackage::toString).toList()));
    a.repositories = repositories;
    a.keyring = keyring;
    a.resolution = resolution;
    a.indexes = List.copyOf(indexes);
  }

  /** Reads and judges one index; adds its URL and the SHA-256 of the bytes read to {@code read}. */
  private static ApkIndex readIndex(BuildContext c, Repository repo, String arch, Keyring keyring,
      List<ProvenanceFacts.Index> read) {
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
    MessageDigest sha256 = sha256();
    try (InputStream in = new BufferedInputStream(new DigestInputStream(new BoundedInputStream(
        c.client.open(uri, repo.credentials()), ApkIndexReader.MAX_INDEX_FILE, limit -> new ApkFormatException(
            "the file is larger than " + BoundedInputStream.describe(limit) + " (the limit)")), sha256), 1 << 16)) {
      index = ApkIndexReader.read(in, keyring, policy);
      // The digest is of the whole file as served: bytes the reader left (bounded above) count too.
      in.transferTo(OutputStream.nullOutputStream());
    } catch (RepositoryException e) {
      if (e.isNotFound()) {
        throw new ApkimgException(e.getMessage() + " (is " + repo.spec() + " an apk repository with an " + arch
            + " folder?)", e);
      }
      if (e.isLoginProblem()) {
        throw new ApkimgException(e.getMessage(), e); // the message says what to do
      }
      throw new ApkimgException(e.getMessage() + " (is the mirror reachable? point the build at another mirror)",
          e.hint() != null ? e.hint() : Hint.OTHER_REPOSITORY, e);
    } catch (IOException e) {
      throw new ApkimgException("index " + uri + " is not a valid APKINDEX.tar.gz: " + e.getMessage(), e);
    }
    c.detail("index " + uri + ": " + index.packages().size() + " packages, " + index.signature().describe());
    read.add(new ProvenanceFacts.Index(SbomStep.location(uri), HexFormat.of().formatHex(sha256.digest())));
    return index;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
