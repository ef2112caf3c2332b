package dev.apkimg.build;

import dev.apkimg.ApkimgException;
import java.util.TreeMap;
import java.util.SortedMap;
import java.util.Map;
import java.nio.charset.StandardCharsets;
import dev.apkimg.resolve.Lockfile;
import dev.apkimg.apk.ApkPackageReader;
import dev.apkimg.apk.ApkPackage;
import dev.apkimg.apk.ApkIndex;
import dev.apkimg.apk.ApkIndexReader;
import dev.apkimg.apk.Dependency;
import dev.apkimg.apk.PackageInfo;
import dev.apkimg.apk.SignatureStatus;
import dev.apkimg.fetch.PackageCache;
import dev.apkimg.fetch.PackageFetcher;
import dev.apkimg.image.ImageConfig;
import dev.apkimg.image.ImageResult;
import dev.apkimg.image.LayerBlob;
import dev.apkimg.image.OciImageWriter;
import dev.apkimg.profile.ImageProfile;
import dev.apkimg.profile.ProfileLoader;
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
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;

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
    ImageProfile profile = ProfileLoader.load(request.profile());
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
      throw new ApkimgException(request.profile() + ": contents.repositories is empty: name a repository, or pass -r URL");
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
    ImageProfile profile = ProfileLoader.load(request.profile());
    List<String> archs = request.arch().isPresent() || profile.archs().size() <= 1
        ? List.of(chooseArch(request, profile))
        : profile.archs();
    Map<String, Lockfile.Arch> locked = new TreeMap<>();
    for (String arch : archs) {
      ResolvedBuild resolved = resolve(request, profile, arch, listener);
      List<RepositoryPackage> packages = resolved.resolution().packages();
      List<Path> files = fetcher(request, resolved.keyring()).fetch(packages, arch, listener::detail);
      List<Lockfile.Package> pinned = new ArrayList<>();
      for (int i = 0; i < packages.size(); i++) {
        RepositoryPackage p = packages.get(i);
        ApkPackage read = readPackage(files.get(i), resolved.keyring(), p.info().fileName());
        pinned.add(new Lockfile.Package(p.info().name(), p.info().version(),
            p.repository().packageUri(arch, p.info().fileName()).toString(), p.info().checksum(), read.dataHash()));
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
    if (request.output() == null) {
      throw new IllegalArgumentException("a build needs an output file");
    }
    Path output = request.output().toAbsolutePath();
    Path work = createWorkDir(output);
    try {
      RootfsBuild rootfs = buildRootfs(request, listener, work);
      String reference = request.imageReference().orElseGet(() -> defaultReference(request.profile()));
      ImageResult image;
      try {
        image = OciImageWriter.writeOciArchive(rootfs.layer(), rootfs.config(), reference, output);
      } catch (IOException e) {
        throw new ApkimgException("cannot write image " + output + ": " + e.getMessage(), e);
      }
      listener.info("wrote " + output + " (" + reference + ", " + image.manifestDigest() + ")");
      return new BuildResult(output, rootfs.arch(), reference, image.manifestDigest(), rootfs.layer().digest(),
          rootfs.layer().diffId(), rootfs.layer().size(), rootfs.packages(), rootfs.skippedScripts());
    } finally {
      deleteRecursively(work);
    }
  }

  /**
   * Everything a build does up to the image: resolves (or reads the lockfile), downloads, and
   * writes the root filesystem layer into {@code workDir}, which the caller owns and deletes.
   * Front ends that put more on top (the Maven plugin's application layers) start here.
   */
  public RootfsBuild buildRootfs(BuildRequest request, BuildListener listener, Path workDir) {
    ImageProfile profile = ProfileLoader.load(request.profile());
    String arch = chooseArch(request, profile);
    Path lockfile = request.lockfile().orElse(null);
    if (lockfile == null && request.useLockfile() && Files.isRegularFile(defaultLockfile(request.profile()))) {
      lockfile = defaultLockfile(request.profile());
    }
    if (lockfile != null) {
      return buildLocked(request, profile, arch, lockfile, listener, workDir);
    }
    ResolvedBuild resolved = resolve(request, profile, arch, listener);
    List<RepositoryPackage> packages = resolved.resolution().packages();
    List<Path> files = fetcher(request, resolved.keyring()).fetch(packages, arch, listener::detail);
    List<PackageSource> sources = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      sources.add(new PackageSource(packages.get(i).info(), files.get(i)));
    }
    List<String> repos = resolved.repositories().stream().map(Repository::spec).collect(Collectors.toList());
    return writeRootfs(profile, arch, sources, repos, resolved.keyring(), resolved.keyring().usedKeys(), listener,
        workDir);
  }

  private RootfsBuild buildLocked(BuildRequest request, ImageProfile profile, String arch, Path lockfile,
      BuildListener listener, Path workDir) {
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
    List<RepositoryPackage> packages = new ArrayList<>();
    for (Lockfile.Package p : pinned.packages()) {
      PackageInfo info = PackageInfo.pinned(p.checksum(), p.name(), p.version(), arch);
      Repository repo = overrides.isEmpty() ? repositoryOf(p.url(), arch, info.fileName(), lockfile) : overrides.get(0);
      packages.add(new RepositoryPackage(info, repo, 0));
    }
    List<Path> files = fetcher(request, keyring).fetch(packages, arch, listener::detail,
        p -> p.nameVersion() + " is pinned by " + lockfile + " but the mirror no longer has it; " + refresh);
    List<PackageSource> sources = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      Lockfile.Package p = pinned.packages().get(i);
      ApkPackage read = readPackage(files.get(i), keyring, p.name() + "-" + p.version() + ".apk");
      if (p.dataSha256() != null && !p.dataSha256().equalsIgnoreCase(read.dataHash())) {
        throw new ApkimgException("package " + p.name() + "-" + p.version() + " does not match " + lockfile
            + ": data SHA-256 " + read.dataHash() + ", pinned " + p.dataSha256());
      }
      long size;
      try {
        size = Files.size(files.get(i));
      } catch (IOException e) {
        throw new ApkimgException("cannot read " + files.get(i) + ": " + e.getMessage(), e);
      }
      sources.add(new PackageSource(read.info().withSize(size), files.get(i)));
    }
    List<String> repos = overrides.isEmpty() ? pinned.repositories()
        : overrides.stream().map(Repository::spec).collect(Collectors.toList());
    return writeRootfs(profile, arch, sources, repos, keyring, pems, listener, workDir);
  }

  /** The repository a pinned URL lives in: the URL without {@code /ARCH/FILE}. */
  private static Repository repositoryOf(String url, String arch, String fileName, Path lockfile) {
    String suffix = "/" + arch + "/" + fileName;
    if (!url.endsWith(suffix)) {
      throw new ApkimgException("lockfile " + lockfile + ": URL " + url + " does not end in " + suffix);
    }
    return Repository.parse(url.substring(0, url.length() - suffix.length()), null);
  }

  private PackageFetcher fetcher(BuildRequest request, Keyring keyring) {
    return new PackageFetcher(client, new PackageCache(cacheDir(request)), keyring, request.parallelism());
  }

  private static ApkPackage readPackage(Path file, Keyring keyring, String name) {
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      return ApkPackageReader.read(in, keyring, name, ApkPackageReader.SKIP_DATA);
    } catch (IOException e) {
      throw new ApkimgException("cannot read package " + name + " (" + file + "): " + e.getMessage(), e);
    }
  }

  private RootfsBuild writeRootfs(ImageProfile profile, String arch, List<PackageSource> sources,
      List<String> repositories, Keyring keyring, Map<String, byte[]> keys, BuildListener listener, Path workDir) {
    long timestamp = 0;
    for (PackageSource s : sources) {
      timestamp = Math.max(timestamp, s.info().buildTime());
    }
    try {
      Files.createDirectories(workDir);
      RootfsSpec spec = new RootfsSpec(arch, profile.contents().packages(), repositories, keys, timestamp);
      LayerResult layer = new LayerWriter(keyring).write(sources, spec, workDir.resolve("layer.tar.gz"));
      if (!layer.skippedScripts().isEmpty()) {
        listener.info("install scripts not run (busybox applet links were made from etc/busybox-paths.d): "
            + String.join(", ", layer.skippedScripts()));
      }
      listener.info("layer: " + layer.entries() + " entries, " + layer.size() + " bytes compressed, "
          + layer.uncompressedSize() + " bytes");
      ImageConfig config = imageConfig(profile, arch, Instant.ofEpochSecond(timestamp));
      List<BuildResult.InstalledPackage> installed = sources.stream()
          .map(p -> new BuildResult.InstalledPackage(p.info().name(), p.info().version(), p.info().arch()))
          .collect(Collectors.toList());
      return new RootfsBuild(new LayerBlob(layer.file(), layer.digest(), layer.diffId(), layer.size()), config, arch,
          installed, layer.skippedScripts());
    } catch (IOException e) {
      throw new ApkimgException("cannot write the image layer: " + e.getMessage(), e);
    }
  }

  private static Path cacheDir(BuildRequest request) {
    return request.cacheDir() != null ? request.cacheDir() : PackageCache.defaultRoot();
  }

  private ApkIndex readIndex(Repository repo, String arch, Keyring keyring, boolean allowUntrusted,
      BuildListener listener) {
    URI uri = repo.indexUri(arch);
    listener.detail("reading " + uri);
    ApkIndex index;
    try (InputStream in = new BufferedInputStream(client.open(uri), 1 << 16)) {
      index = ApkIndexReader.read(in, keyring);
    } catch (RepositoryException e) {
      throw new ApkimgException(e.getMessage() + (e.isNotFound()
          ? " (is " + repo.spec() + " an apk repository with an " + arch + " folder?)"
          : " (is the mirror reachable? use -r to point at another mirror)"), e);
    } catch (IOException e) {
      throw new ApkimgException("index " + uri + " is not a valid APKINDEX.tar.gz: " + e.getMessage(), e);
    }
    SignatureStatus sig = index.signature();
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
    listener.detail("index " + uri + ": " + index.packages().size() + " packages, " + sig.describe());
    return index;
  }

  private static String chooseArch(BuildRequest request, ImageProfile profile) {
    if (request.arch().isPresent()) {
      String arch = request.arch().get();
      if (!ProfileLoader.ARCHS.contains(arch)) {
        throw new ApkimgException("unknown architecture '" + arch + "' (known: " + String.join(", ", ProfileLoader.ARCHS) + ")");
      }
      return arch;
    }
    if (profile.archs().size() > 1) {
      throw new ApkimgException(request.profile() + " lists several archs " + profile.archs()
          + "; multi-arch images are not supported yet: choose one with --arch");
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
  static ImageConfig imageConfig(ImageProfile profile, String arch, Instant created) {
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
      entrypoint = profile.entrypoint() == null ? List.of() : ProfileLoader.splitWords(profile.entrypoint().command());
      cmd = ProfileLoader.splitWords(profile.cmd());
    } catch (IllegalArgumentException e) {
      throw new ApkimgException("profile: " + e.getMessage());
    }
    return new ImageConfig("linux", ociArch, variant, entrypoint, cmd, profile.environment(),
        profile.workDir(), created);
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

  private static Path createWorkDir(Path output) {
    try {
      Path parent = output.getParent();
      Files.createDirectories(parent);
      return Files.createTempDirectory(parent, ".apkimg-");
    } catch (IOException e) {
      throw new ApkimgException("cannot write to " + output.getParent() + ": " + e.getMessage(), e);
    }
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException | UncheckedIOException e) {
      // Leftover temporary files are not worth failing a finished build for.
    }
  }
}
