package dev.apkimg.build;

import dev.apkimg.ApkimgException;
import dev.apkimg.OutputFiles;
import dev.apkimg.TemporaryFiles;
import java.util.TreeMap;
import java.util.SortedMap;
import java.util.Map;
import java.nio.charset.StandardCharsets;
import dev.apkimg.resolve.Lockfile;
import dev.apkimg.apk.ApkFormatException;
import dev.apkimg.apk.BoundedInputStream;
import dev.apkimg.apk.ApkIndex;
import dev.apkimg.apk.ApkIndexReader;
import dev.apkimg.apk.Dependency;
import dev.apkimg.apk.PackageInfo;
import dev.apkimg.apk.SignatureStatus;
import dev.apkimg.fetch.PackageCache;
import dev.apkimg.fetch.PackageFetcher;
import dev.apkimg.image.ImageConfig;
import dev.apkimg.image.ImageOutputs;
import dev.apkimg.image.ImagePublisher;
import dev.apkimg.image.LayerBlob;
import dev.apkimg.image.PlatformImage;
import dev.apkimg.image.PublishResult;
import dev.apkimg.image.RootfsImage;
import dev.apkimg.profile.ImageProfile;
import dev.apkimg.profile.ProfileLoader;
import dev.apkimg.repo.Credentials;
import dev.apkimg.repo.Keyring;
import dev.apkimg.repo.Repository;
import dev.apkimg.repo.RepositoryClient;
import dev.apkimg.repo.RepositoryException;
import dev.apkimg.resolve.RepositoryPackage;
import dev.apkimg.resolve.Resolution;
import dev.apkimg.resolve.Resolver;
import dev.apkimg.rootfs.LayerResult;
import dev.apkimg.rootfs.LayerWriter;
import dev.apkimg.rootfs.PackageSource;
import dev.apkimg.rootfs.RootfsSpec;
import dev.apkimg.rootfs.ScriptReport;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The build pipeline: profile, repository indexes, resolution, downloads, root filesystem
 * layer, OCI image. Front ends make a {@link BuildRequest} and render the listener's events.
 */
public final class ImageBuilder {
  private final RepositoryClient client;

  public ImageBuilder() {
    this(new RepositoryClient());
  }

  public ImageBuilder(RepositoryClient client) {
    this.client = client;
  }

  /** Reads the profile and the repositories' indexes and chooses the packages. */
  public ResolvedBuild resolve(BuildRequest request, BuildListener listener) {
    ImageProfile profile = ProfileLoader.load(request.profile(), request.filesRoots());
    return resolve(request, profile, chooseArch(request, profile), listener);
  }

  private ResolvedBuild resolve(BuildRequest request, ImageProfile profile, String arch, BuildListener listener) {
    Path profileDir = request.profile().toAbsolutePath().getParent();
    Path cacheDir = cacheDir(request);
    List<Repository> repositories = (request.repositories().isEmpty()
        ? profile.contents().repositories().stream().map(r -> Repository.parse(r, profileDir))
        : request.repositories().stream().map(r -> Repository.parse(r, null)))
        .collect(Collectors.toList());
    if (repositories.isEmpty()) {
      throw new ApkimgException(request.profile() + ": contents.repositories is empty: name a repository in the profile, or give one to the build");
    }
    // Keys given on the command line win over the profile's of the same name (air-gapped copies).
    Keyring keyring = Keyring.of(request.extraKeys(), null, client, cacheDir)
        .with(Keyring.of(profile.contents().keyring(), profileDir, client, cacheDir));

    List<RepositoryPackage> available = new ArrayList<>();
    for (int i = 0; i < repositories.size(); i++) {
      Repository repo = repositories.get(i);
      ApkIndex index = readIndex(repo, arch, keyring, request.allowUntrusted(), listener);
      for (PackageInfo p : index.packages()) {
        available.add(new RepositoryPackage(p, repo, i));
      }
    }

    List<Dependency> world = profile.contents().packages().stream().map(Dependency::parse).collect(Collectors.toList());
    Resolution resolution = new Resolver(available).resolve(world);
    listener.info("resolved " + resolution.packages().size() + " packages for " + arch + ": "
        + resolution.packages().stream().map(RepositoryPackage::toString).collect(Collectors.joining(" ")));
    return new ResolvedBuild(request.profile(), profile, arch, repositories, keyring, resolution);
  }

  /**
   * Resolves every architecture of the profile (or the requested one), downloads the packages
   * and pins them: URL, control checksum and data SHA-256, with the keys that verified them.
   */
  public Lockfile lock(BuildRequest request, BuildListener listener) {
    ImageProfile profile = ProfileLoader.load(request.profile(), request.filesRoots());
    List<String> archs = request.arch().isPresent() || profile.archs().size() <= 1
        ? List.of(chooseArch(request, profile))
        : profile.archs();
    Map<String, Lockfile.Arch> locked = new TreeMap<>();
    for (String arch : archs) {
      ResolvedBuild resolved = resolve(request, profile, arch, listener);
      List<RepositoryPackage> packages = resolved.resolution().packages();
      List<PackageFetcher.Fetched> files = fetch(request, resolved.keyring(), packages, arch, listener);
      List<Lockfile.Package> pinned = new ArrayList<>();
      for (int i = 0; i < packages.size(); i++) {
        RepositoryPackage p = packages.get(i);
        pinned.add(new Lockfile.Package(p.info().name(), p.info().version(),
            p.repository().packageUri(arch, p.info().fileName()).toString(), p.info().checksum(),
            files.get(i).read().dataHash()));
      }
      SortedMap<String, String> keys = new TreeMap<>();
      resolved.keyring().usedKeys().forEach((name, pem) -> keys.put(name, new String(pem, StandardCharsets.US_ASCII)));
      locked.put(arch, new Lockfile.Arch(
          resolved.repositories().stream().map(Repository::spec).collect(Collectors.toList()), keys, pinned));
    }
    return Lockfile.of(profile.checksum(), locked);
  }

  /** Where {@code apkimg lock} puts a profile's lockfile: beside it, {@code NAME.lock.json}. */
  public static Path defaultLockfile(Path profile) {
    String name = profile.getFileName().toString();
    int dot = name.lastIndexOf('.');
    String base = dot > 0 ? name.substring(0, dot) : name;
    return profile.resolveSibling(base + ".lock.json");
  }

  /**
   * Resolves, downloads, writes the layer and the image. With a lockfile (named, or beside the
   * profile) the pinned packages are installed and no index is read.
   */
  public BuildResult build(BuildRequest request, BuildListener listener) {
    try (OutputFiles files = new OutputFiles()) {
      BuildResult result = build(request, listener, files);
      files.commit();
      return result;
    } catch (IOException e) {
      throw new ApkimgException("cannot write " + request.output() + ": " + e.getMessage(), e);
    }
  }

  /**
   * As {@link #build(BuildRequest, BuildListener)}, but the archive stays staged in {@code files}
   * for the caller to commit together with its own outputs (metadata, digest): all or nothing.
   */
  public BuildResult build(BuildRequest request, BuildListener listener, OutputFiles files) {
    if (request.output() == null && request.push().isEmpty() && !request.daemon()) {
      throw new ApkimgException("nothing to do: give -o FILE, --push REF or --daemon");
    }
    ImageProfile profile = ProfileLoader.load(request.profile(), request.filesRoots());
    List<String> archs = request.arch().isPresent() || profile.archs().size() <= 1
        ? List.of(chooseArch(request, profile))
        : profile.archs();
    Path lockfile = lockfileFor(request);
    Path work = createWorkDir(request.output());
    try {
      List<ArchLayer> layers = new ArrayList<>();
      for (String arch : archs) {
        layers.add(archLayer(request, profile, arch, lockfile, work, listener));
      }
      checkSameVersions(layers);
      return publish(request, profile, layers, work, files, listener);
    } finally {
      deleteRecursively(work);
    }
  }

  /**
   * Everything a build does up to the image, for one architecture: resolves (or reads the
   * lockfile), downloads, and writes the root filesystem layer into {@code workDir}, which the
   * caller owns and deletes. Front ends that put more on top (the Maven plugin's application
   * layers) start here.
   */
  public RootfsBuild buildRootfs(BuildRequest request, BuildListener listener, Path workDir) {
    ImageProfile profile = ProfileLoader.load(request.profile(), request.filesRoots());
    String arch = chooseArch(request, profile);
    ArchLayer l = archLayer(request, profile, arch, lockfileFor(request), workDir, listener);
    LayerResult layer = l.layer();
    return new RootfsBuild(new LayerBlob(layer.file(), layer.digest(), layer.diffId(), layer.size()),
        fullConfig(profile, l), arch, installed(l.sources()), layer.skippedScripts());
  }

  /** The lockfile to build from: the one named, else the one beside the profile if allowed. */
  private static Path lockfileFor(BuildRequest request) {
    Path lockfile = request.lockfile().orElse(null);
    if (lockfile == null && request.useLockfile() && Files.isRegularFile(defaultLockfile(request.profile()))) {
      lockfile = defaultLockfile(request.profile());
    }
    return lockfile;
  }

  private ArchLayer archLayer(BuildRequest request, ImageProfile profile, String arch, Path lockfile, Path work,
      BuildListener listener) {
    return lockfile != null
        ? buildLocked(request, profile, arch, lockfile, work, listener)
        : buildFromIndexes(request, profile, arch, work, listener);
  }

  /** The runtime config with the profile's labels, volumes, ports, stop signal and history. */
  private static ImageConfig fullConfig(ImageProfile profile, ArchLayer l) {
    return l.config().withMetadata(profile.labels(), profile.volumes(), profile.ports(), profile.stopSignal(),
        history(profile, l.sources()));
  }

  private static List<BuildResult.InstalledPackage> installed(List<PackageSource> sources) {
    return sources.stream()
        .map(p -> new BuildResult.InstalledPackage(p.info().name(), p.info().version(), p.info().arch()))
        .collect(Collectors.toList());
  }

  private ArchLayer buildFromIndexes(BuildRequest request, ImageProfile profile, String arch, Path work,
      BuildListener listener) {
    ResolvedBuild resolved = resolve(request, profile, arch, listener);
    List<RepositoryPackage> packages = resolved.resolution().packages();
    List<PackageFetcher.Fetched> files = fetch(request, resolved.keyring(), packages, arch, listener);
    List<PackageSource> sources = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      sources.add(new PackageSource(packages.get(i).info(), files.get(i).file()));
    }
    List<String> repos = resolved.repositories().stream().map(Repository::spec).collect(Collectors.toList());
    return writeImage(request, profile, arch, sources, repos, resolved.keyring(), resolved.keyring().usedKeys(), work,
        listener);
  }

  private ArchLayer buildLocked(BuildRequest request, ImageProfile profile, String arch, Path lockfile,
      Path work, BuildListener listener) {
    Lockfile lock = Lockfile.read(lockfile);
    String refresh = "run 'apkimg lock " + request.profile() + "' to refresh it, or build with --no-lockfile";
    if (!profile.checksum().equals(lock.profileChecksum())) {
      throw new ApkimgException("lockfile " + lockfile + " is stale: " + request.profile()
          + " has changed since it was locked; " + refresh);
    }
    Lockfile.Arch pinned = lock.archs().get(arch);
    if (pinned == null) {
      throw new ApkimgException("lockfile " + lockfile + " has no packages for " + arch + " (it has "
          + String.join(", ", lock.archs().keySet()) + "); " + refresh);
    }
    listener.info("installing the " + pinned.packages().size() + " packages pinned by " + lockfile);
    Map<String, byte[]> pems = new TreeMap<>();
    pinned.keyring().forEach((name, pem) -> pems.put(name, pem.getBytes(StandardCharsets.US_ASCII)));
    Keyring keyring = Keyring.ofPems(pems);
    List<Repository> overrides = request.repositories().stream().map(r -> Repository.parse(r, null))
        .collect(Collectors.toList());
    // A lockfile records no credentials: a pinned URL is read with those of the profile's repository there.
    Map<URI, Credentials> credentials = new java.util.HashMap<>();
    profile.contents().repositories().stream().map(r -> Repository.parse(r, request.profile().toAbsolutePath().getParent()))
        .filter(r -> r.credentials() != null).forEach(r -> credentials.putIfAbsent(r.base(), r.credentials()));
    List<PackageFetcher.Wanted> packages = new ArrayList<>();
    for (Lockfile.Package p : pinned.packages()) {
      PackageInfo info = PackageInfo.pinned(p.checksum(), p.name(), p.version(), arch);
      Repository repo = overrides.isEmpty() ? repositoryOf(p.url(), arch, info.fileName(), lockfile) : overrides.get(0);
      if (repo.credentials() == null) {
        repo = repo.withCredentials(credentials.get(repo.base()));
      }
      packages.add(new PackageFetcher.Wanted(new RepositoryPackage(info, repo, 0), p.dataSha256()));
    }
    List<PackageFetcher.Fetched> files = fetcher(request, keyring).fetchVerified(packages, arch,
        fetchListener(listener),
        p -> p.nameVersion() + " is pinned by " + lockfile + " but the mirror no longer has it; " + refresh);
    List<PackageSource> sources = new ArrayList<>();
    for (PackageFetcher.Fetched f : files) {
      long size;
      try {
        size = Files.size(f.file());
      } catch (IOException e) {
        throw new ApkimgException("cannot read " + f.file() + ": " + e.getMessage(), e);
      }
      sources.add(new PackageSource(f.read().info().withSize(size), f.file()));
    }
    List<String> repos = overrides.isEmpty() ? pinned.repositories().stream().map(Credentials::redact).collect(Collectors.toList())
        : overrides.stream().map(Repository::spec).collect(Collectors.toList());
    return writeImage(request, profile, arch, sources, repos, keyring, pems, work, listener);
  }

  /** The repository a pinned URL lives in: the URL without {@code /ARCH/FILE}. */
  private static Repository repositoryOf(String url, String arch, String fileName, Path lockfile) {
    String suffix = "/" + arch + "/" + fileName;
    if (!url.endsWith(suffix)) {
      throw new ApkimgException("lockfile " + lockfile + ": URL " + Credentials.redact(url) + " does not end in " + suffix);
    }
    return Repository.parse(url.substring(0, url.length() - suffix.length()), null);
  }

  private PackageFetcher fetcher(BuildRequest request, Keyring keyring) {
    return new PackageFetcher(client, new PackageCache(cacheDir(request)), keyring, request.parallelism());
  }

  /** Fetches (or takes from the cache) and verifies the packages; warnings reach the listener. */
  private List<PackageFetcher.Fetched> fetch(BuildRequest request, Keyring keyring, List<RepositoryPackage> packages,
      String arch, BuildListener listener) {
    return fetcher(request, keyring).fetchVerified(packages.stream().map(PackageFetcher.Wanted::of).toList(), arch,
        fetchListener(listener), p -> "the index lists " + p.nameVersion() + " but the mirror does not have it");
  }

  private static PackageFetcher.Listener fetchListener(BuildListener listener) {
    return new PackageFetcher.Listener() {
      @Override
      public void detail(String message) {
        listener.detail(message);
      }

      @Override
      public void warn(String message) {
        listener.warn(message);
      }
    };
  }

  private ArchLayer writeImage(BuildRequest request, ImageProfile profile, String arch, List<PackageSource> sources,
      List<String> repositories, Keyring keyring, Map<String, byte[]> keys, Path work, BuildListener listener) {
    long newest = 0;
    for (PackageSource s : sources) {
      newest = Math.max(newest, s.info().buildTime());
    }
    long timestamp = request.sourceDateEpoch().orElse(newest);
    try {
      ProfileMutations mutations = new ProfileMutations(profile, request.profile());
      RootfsSpec spec = new RootfsSpec(arch, profile.contents().packages(), repositories, keys, timestamp,
          mutations.mutations());
      LayerResult layer = new LayerWriter(keyring).write(sources, spec, work.resolve("layer-" + arch + ".tar.gz"));
      reportScripts(layer.scripts(), listener);
      listener.info("layer: " + layer.entries() + " entries, " + layer.size() + " bytes compressed, "
          + layer.uncompressedSize() + " bytes");

      ImageConfig config = imageConfig(profile, arch, Instant.ofEpochSecond(timestamp), mutations.user());
      return new ArchLayer(arch, layer, sources, config);
    } catch (IOException e) {
      throw new ApkimgException("cannot write the image layer: " + e.getMessage(), e);
    }
  }

  /** One line per package whose scripts were not wholly carried out; the lines themselves for --verbose. */
  private static void reportScripts(List<ScriptReport> scripts, BuildListener listener) {
    Map<String, List<ScriptReport>> byPackage = new java.util.LinkedHashMap<>();
    for (ScriptReport r : scripts) {
      byPackage.computeIfAbsent(r.script().substring(0, r.script().lastIndexOf('.')), k -> new ArrayList<>()).add(r);
    }
    byPackage.forEach((pkg, reports) -> {
      int done = reports.stream().mapToInt(r -> r.carriedOut().size()).sum();
      int notDone = reports.stream().mapToInt(r -> r.notCarriedOut().size()).sum();
      for (ScriptReport r : reports) {
        r.carriedOut().forEach(l -> listener.detail(r.script() + ": carried out: " + l));
      }
      if (notDone > 0) {
        listener.info(pkg + ": " + notDone + " install-script line" + (notDone == 1 ? "" : "s") + " not carried out"
            + (done > 0 ? " (" + done + " carried out)" : "") + "; --verbose lists them");
        for (ScriptReport r : reports) {
          r.notCarriedOut().forEach(l -> listener.detail(r.script() + ": not carried out: " + l));
        }
      }
    });
  }

  /** One architecture's layer, written, with what it holds and its image configuration. */
  private record ArchLayer(String arch, LayerResult layer, List<PackageSource> sources, ImageConfig config) {}

  /** Every architecture must install the same versions: one image, one set of packages. */
  private static void checkSameVersions(List<ArchLayer> layers) {
    ArchLayer first = layers.get(0);
    Map<String, String> versions = new TreeMap<>();
    first.sources().forEach(s -> versions.put(s.info().name(), s.info().version()));
    for (ArchLayer other : layers.subList(1, layers.size())) {
      for (PackageSource s : other.sources()) {
        String version = versions.get(s.info().name());
        if (version != null && !version.equals(s.info().version())) {
          throw new ApkimgException("package " + s.info().name() + " differs between architectures: "
              + version + " for " + first.arch() + ", " + s.info().version() + " for " + other.arch()
              + " (every architecture must install the same versions; pin it in contents.packages, e.g. "
              + s.info().name() + "=" + version + ")");
        }
      }
    }
  }

  /** The image part: each layer becomes a platform image, published to every requested output. */
  private BuildResult publish(BuildRequest request, ImageProfile profile, List<ArchLayer> layers, Path work,
      OutputFiles files, BuildListener listener) {
    String reference = request.imageReference().orElseGet(() -> defaultReference(request.profile()));
    Instant created = layers.stream().map(l -> l.config().created()).max(Instant::compareTo).orElseThrow();
    Map<String, String> annotations = imageAnnotations(profile, created);
    List<PlatformImage> images = new ArrayList<>();
    List<BuildResult.ArchImage> archImages = new ArrayList<>();
    for (ArchLayer l : layers) {
      LayerResult layer = l.layer();
      ImageConfig config = fullConfig(profile, l);
      PlatformImage image;
      try {
        RootfsImage rootfs = RootfsImage.create(
            new LayerBlob(layer.file(), layer.digest(), layer.diffId(), layer.size()), config,
            work.resolve("image-" + l.arch()));
        image = PlatformImage.build(rootfs, rootfs.containerBuilder(), annotations);
      } catch (IOException e) {
        throw new ApkimgException("cannot build the " + l.arch() + " image: " + e.getMessage(), e);
      }
      images.add(image);
      archImages.add(new BuildResult.ArchImage(l.arch(), image.platform(), image.manifestDigest(),
          image.configDigest(), layer.digest(), layer.diffId(), image.compressedSize(), layer.uncompressedSize(),
          installed(l.sources()), layer.scripts()));
    }
    ImageOutputs.Builder outputs = ImageOutputs.builder(reference)
        .push(request.push())
        .daemon(request.daemon())
        .allowInsecureRegistries(request.allowInsecureRegistries())
        .indexAnnotations(annotations)
        .files(files);
    if (request.output() != null) {
      outputs.archive(request.output(), request.format());
    }
    if (request.credentials() != null) {
      outputs.credentials(request.credentials());
    }
    PublishResult published = ImagePublisher.publish(images, outputs.build(), listener::info);
    return new BuildResult(published.digest(), published.mediaType(), reference, published.archive(),
        published.pushed(), published.loaded(), archImages);
  }

  /**
   * Manifest and index annotations: the profile's, then apko's {@code vcs-url} ({@code URL@REV}
   * gives source and revision; a URL alone, source only, where apko sets nothing), then the
   * creation time, the build date.
   */
  public static Map<String, String> imageAnnotations(ImageProfile profile, Instant created) {
    Map<String, String> annotations = new LinkedHashMap<>(profile.annotations());
    String vcs = profile.vcsUrl();
    if (vcs != null && !vcs.isBlank()) {
      // URL@REV: an '@' after the path and the scheme; git@host:org/repo has its '@' before them.
      int at = vcs.lastIndexOf('@');
      if (at > 0 && at < vcs.length() - 1 && at > vcs.lastIndexOf('/') && at > vcs.indexOf(':')) {
        annotations.put("org.opencontainers.image.source", vcs.substring(0, at));
        annotations.put("org.opencontainers.image.revision", vcs.substring(at + 1));
      } else {
        annotations.put("org.opencontainers.image.source", vcs);
      }
    }
    annotations.putIfAbsent("org.opencontainers.image.created", created.toString());
    return annotations;
  }

  /** The layer's history entry names the world and every installed package. */
  private static ImageConfig.History history(ImageProfile profile, List<PackageSource> sources) {
    return new ImageConfig.History("apkimg: apk add " + String.join(" ", profile.contents().packages()),
        sources.stream().map(s -> s.info().name() + "-" + s.info().version()).collect(Collectors.joining(" ")));
  }

  private static Path cacheDir(BuildRequest request) {
    return request.cacheDir() != null ? request.cacheDir() : PackageCache.defaultRoot();
  }

  private ApkIndex readIndex(Repository repo, String arch, Keyring keyring, boolean allowUntrusted,
      BuildListener listener) {
    URI uri = repo.indexUri(arch);
    listener.detail("reading " + uri);
    ApkIndex index;
    // The signature is judged before a byte of the index is parsed; the download is bounded.
    ApkIndexReader.SignaturePolicy policy = sig -> {
      if (!sig.isVerified()) {
        String problem = "index " + uri + " " + sig.describe();
        if (sig.kind() == SignatureStatus.Kind.BAD_SIGNATURE) {
          throw new ApkimgException(problem + ": the file is corrupt or was tampered with");
        }
        if (!allowUntrusted) {
          String hint = sig.kind() == SignatureStatus.Kind.UNTRUSTED_KEY
              ? " (add " + sig.keyName() + " to contents.keyring or pass -k KEYFILE)"
              : " (sign it, or pass --allow-untrusted to accept it anyway)";
          throw new ApkimgException(problem + hint);
        }
        listener.warn(problem + "; accepted because of --allow-untrusted");
      }
    };
    try (InputStream in = new BufferedInputStream(new BoundedInputStream(client.open(uri, repo.credentials()),
        ApkIndexReader.MAX_INDEX_FILE, limit -> new ApkFormatException("the file is larger than "
            + BoundedInputStream.describe(limit) + " (the limit)")), 1 << 16)) {
      index = ApkIndexReader.read(in, keyring, policy);
    } catch (RepositoryException e) {
      throw new ApkimgException(e.getMessage() + (e.isNotFound()
          ? " (is " + repo.spec() + " an apk repository with an " + arch + " folder?)"
          : " (is the mirror reachable? point the build at another mirror)"), e);
    } catch (IOException e) {
      throw new ApkimgException("index " + uri + " is not a valid APKINDEX.tar.gz: " + e.getMessage(), e);
    }
    SignatureStatus sig = index.signature();
    listener.detail("index " + uri + ": " + index.packages().size() + " packages, " + sig.describe());
    return index;
  }

  private static String chooseArch(BuildRequest request, ImageProfile profile) {
    if (request.arch().isPresent()) {
      String arch = ImageProfile.apkArch(request.arch().get());
      if (!ProfileLoader.ARCHS.contains(arch)) {
        throw new ApkimgException("unknown architecture '" + arch + "' (known: " + String.join(", ", ProfileLoader.ARCHS) + ")");
      }
      return arch;
    }
    if (profile.archs().size() == 1) {
      return profile.archs().get(0);
    }
    String host = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    return switch (host) {
      case "amd64", "x86_64" -> "x86_64";
      case "aarch64", "arm64" -> "aarch64";
      default -> host;
    };
  }

  /** apk architecture names to OCI platform architecture and variant. */
  static ImageConfig imageConfig(ImageProfile profile, String arch, Instant created, String user) {
    String ociArch;
    String variant = null;
    switch (arch) {
      case "x86_64" -> ociArch = "amd64";
      case "aarch64" -> ociArch = "arm64";
      case "armv7" -> {
        ociArch = "arm";
        variant = "v7";
      }
      case "armhf" -> {
        ociArch = "arm";
        variant = "v6";
      }
      case "x86" -> ociArch = "386";
      case "loongarch64" -> ociArch = "loong64";
      default -> ociArch = arch;
    }
    List<String> entrypoint;
    List<String> cmd;
    try {
      entrypoint = profile.entrypoint() == null ? List.of()
          : profile.entrypoint().shellFragment() != null
          ? List.of("/bin/sh", "-c", profile.entrypoint().shellFragment())
          : ProfileLoader.splitWords(profile.entrypoint().command());
      cmd = ProfileLoader.splitWords(profile.cmd());
    } catch (IllegalArgumentException e) {
      throw new ApkimgException("profile: " + e.getMessage());
    }
    return new ImageConfig("linux", ociArch, variant, entrypoint, cmd, profile.environment(),
        profile.workDir(), created).withUser(user);
  }

  private static String defaultReference(Path profile) {
    String name = profile.getFileName().toString();
    int dot = name.lastIndexOf('.');
    if (dot > 0) {
      name = name.substring(0, dot);
    }
    name = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "-");
    return name + ":latest";
  }

  /** Beside the output, so the layer is written on the same file system; else in the temp dir. */
  private static Path createWorkDir(Path output) {
    try {
      if (output == null) {
        return TemporaryFiles.register(Files.createTempDirectory("apkimg-"));
      }
      Path parent = output.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      return TemporaryFiles.register(Files.createTempDirectory(parent, ".apkimg-"));
    } catch (IOException e) {
      Path where = output == null ? Path.of(System.getProperty("java.io.tmpdir")) : output.toAbsolutePath().getParent();
      throw new ApkimgException("cannot create a work folder in " + where + ": " + e.getMessage(), e);
    }
  }

  private static void deleteRecursively(Path dir) {
    // Best effort: leftover temporary files are not worth failing a finished build for.
    TemporaryFiles.delete(dir);
  }
}
