package dev.apkimg.pipeline;

import dev.apkimg.ApkimgException;
import dev.apkimg.TemporaryFiles;
import dev.apkimg.api.Apkimg;
import dev.apkimg.api.BaseImage;
import dev.apkimg.api.BuildEvent;
import dev.apkimg.api.BuildListener;
import dev.apkimg.api.BuildRequest;
import dev.apkimg.api.BuildResult;
import dev.apkimg.api.LockResult;
import dev.apkimg.api.ResolveResult;
import dev.apkimg.api.WhyResult;
import dev.apkimg.fetch.PackageCache;
import dev.apkimg.image.PlatformImage;
import dev.apkimg.repo.Repository;
import dev.apkimg.repo.RepositoryClient;
import dev.apkimg.resolve.DependencyPaths;
import dev.apkimg.resolve.Lockfile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The build as a pipeline of steps over one {@link BuildContext}: resolve, lock or pin, fetch,
 * rootfs, image, publish. Internal: callers use {@link Apkimg}, which finds this class as its
 * {@link Apkimg.Provider}.
 */
public final class Pipeline implements Apkimg {
  private final RepositoryClient client;

  Pipeline(RepositoryClient client) {
    this.client = client;
  }

  /** The service {@link Apkimg#create} loads. */
  public static final class Provider implements Apkimg.Provider {
    @Override
    public Apkimg create(Duration connectTimeout, Duration readTimeout) {
      // Private repositories' credentials: HTTP_AUTH and the netrc file of this process (see RepositoryAuth).
      return new Pipeline(new RepositoryClient(RepositoryClient.Settings.defaults()
          .withConnectTimeout(connectTimeout).withReadTimeout(readTimeout), dev.apkimg.repo.RepositoryAuth.fromEnvironment()));
    }
  }

  @Override
  public ResolveResult resolve(BuildRequest request, BuildListener listener) {
    BuildContext c = new BuildContext(request, listener, client);
    ArchBuild a = new ArchBuild(c.chooseArch());
    ResolveStep.run(c, a);
    return new ResolveResult(a.arch, a.repositories.stream().map(Repository::spec).toList(),
        a.resolution.packages().stream().map(p -> new ResolveResult.Package(p.info().name(), p.info().version(),
            p.info().arch(), p.info().checksum(), p.repository().spec())).toList());
  }

  @Override
  public WhyResult why(BuildRequest request, String packageName, BuildListener listener) {
    BuildContext c = new BuildContext(request, listener, client);
    ArchBuild a = new ArchBuild(c.chooseArch());
    ResolveStep.run(c, a);
    DependencyPaths paths = DependencyPaths.of(a.resolution);
    return paths.find(packageName)
        .map(p -> new WhyResult(a.arch, packageName, p.name(), p.version(), paths.to(p)))
        .orElseGet(() -> new WhyResult(a.arch, packageName, null, null, List.of()));
  }

  @Override
  public LockResult lock(BuildRequest request, Path target, BuildListener listener) {
    try (SerialListener serial = SerialListener.of(listener)) {
      return lockSerially(request, target, serial);
    }
  }

  private LockResult lockSerially(BuildRequest request, Path target, BuildListener listener) {
    BuildContext c = new BuildContext(request, listener, client);
    if (target == null && request.profileFile() == null) {
      throw new ApkimgException("a profile given in memory has no place for its lockfile: name one");
    }
    Path file = target != null ? target : BuildRequest.defaultLockfile(request.profileFile());
    Map<String, Lockfile.Arch> locked = new TreeMap<>();
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (String arch : c.archs) {
      ArchBuild a = new ArchBuild(arch);
      ResolveStep.run(c, a);
      FetchStep.run(c, a);
      locked.put(arch, PinStep.record(a));
      counts.put(arch, a.resolution.packages().size());
    }
    Lockfile.of(c.profile.checksum(), locked).write(file);
    return new LockResult(file, counts);
  }

  @Override
  public BuildResult build(BuildRequest request, BuildListener listener) {
    try (SerialListener serial = SerialListener.of(listener)) {
      return buildSerially(request, serial);
    }
  }

  private BuildResult buildSerially(BuildRequest request, BuildListener listener) {
    if (request.outputs().isEmpty()) {
      throw new ApkimgException("nothing to do: no archive, registry or daemon to publish to", dev.apkimg.Hint.NO_OUTPUT);
    }
    PublishStep.checkSbomOutputs(request.outputs());
    BuildContext c = new BuildContext(request, listener, client);
    c.work = createWorkDir(request.outputs().archive());
    try {
      BaseImage base = base(c);
      List<PlatformImage> images = ImageStep.images(c, base.annotations());
      boolean attached = request.outputs().sbom() || request.outputs().sbomOnPush() && !request.outputs().push().isEmpty();
      List<SbomStep.Document> sboms = request.outputs().sbomDir() == null && !attached
          ? List.of() : SbomStep.documents(c, images, base.annotations());
      BuildResult result = PublishStep.publish(base, images, request.outputs(), c.cacheDir, listener, sboms);
      warnWithoutOsRelease(listener, c.builds.stream().anyMatch(a -> a.osRelease == null));
      return result;
    } finally {
      // Best effort: leftover temporary files are not worth failing a finished build for.
      TemporaryFiles.delete(c.work);
    }
  }

  @Override
  public BaseImage buildBase(BuildRequest request, Path workDir, BuildListener listener) {
    try (SerialListener serial = SerialListener.of(listener)) {
      return buildBaseSerially(request, workDir, serial);
    }
  }

  private BaseImage buildBaseSerially(BuildRequest request, Path workDir, BuildListener listener) {
    BuildContext c = new BuildContext(request, listener, client);
    c.work = workDir;
    try {
      Files.createDirectories(workDir);
    } catch (IOException e) {
      throw new ApkimgException("cannot create the work folder " + workDir + ": " + e.getMessage(), e);
    }
    return base(c);
  }

  @Override
  public BuildResult publish(BaseImage base, List<PlatformImage> images, BuildRequest request, BuildListener listener) {
    try (SerialListener serial = SerialListener.of(listener)) {
      return publishSerially(base, images, request, serial);
    }
  }

  private BuildResult publishSerially(BaseImage base, List<PlatformImage> images, BuildRequest request,
      BuildListener listener) {
    List<SbomStep.Document> sboms = List.of();
    if (request.outputs().sbomDir() != null || request.outputs().sbom()
        || request.outputs().sbomOnPush() && !request.outputs().push().isEmpty()) {
      if (base.platforms().stream().anyMatch(p -> p.packageFacts() == null)) {
        // A base made other than by buildBase lacks the package facts (licenses, checksums, repositories).
        throw new ApkimgException("SBOMs (sbomDir, sbom) need the package facts of a base made by buildBase, which"
            + " this base does not carry: leave sbomDir and sbom unset here");
      }
      if (images.size() != base.platforms().size()) {
        throw new IllegalArgumentException(images.size() + " images for " + base.platforms().size() + " platforms");
      }
      sboms = SbomStep.documents(base, images);
      if (base.platforms().stream().anyMatch(p -> p.provenance() == null)) {
        // A platform copied without its provenance facts (the older constructor) still gets its SBOMs.
        listener.on(new BuildEvent.Warning("no provenance (ARCH.provenance.json) for "
            + base.platforms().stream().filter(p -> p.provenance() == null).map(BaseImage.Platform::arch).toList()
            + ": the base's platforms do not carry the provenance facts of buildBase; keep them when copying a"
            + " platform (BaseImage.Platform#withConfig)", null));
      }
    }
    BuildResult result = PublishStep.publish(base, images, request.outputs(),
        request.cacheDir() != null ? request.cacheDir() : PackageCache.defaultRoot(), listener, sboms);
    // Only a base from buildBase knows: one made otherwise has no package facts either.
    warnWithoutOsRelease(listener, base.platforms().stream().anyMatch(p -> p.packageFacts() != null && p.os() == null));
    return result;
  }

  /**
   * Once per build, after the image is out (a failed build shows its error alone): an image
   * without os-release hides its distribution from scanners.
   */
  private static void warnWithoutOsRelease(BuildListener listener, boolean missing) {
    if (missing) {
      listener.on(new BuildEvent.Warning("the image has no etc/os-release: scanners (Trivy, Grype) cannot tell its"
          + " distribution; install the package that ships it (alpine-release from Alpine 3.21, wolfi-base) or add"
          + " it with files:", null));
    }
  }

  /** Steps 1 to 4 for every architecture: each one's layer and configuration. */
  private static BaseImage base(BuildContext c) {
    for (String arch : c.archs) {
      ArchBuild a = new ArchBuild(arch);
      if (c.lockfile != null) {
        PinStep.install(c, a);
      } else {
        ResolveStep.run(c, a);
        FetchStep.run(c, a);
      }
      RootfsStep.run(c, a);
      c.builds.add(a);
    }
    ImageStep.checkSameVersions(c.builds);
    Map<String, String> annotations = ImageStep.annotations(c.annotated, ImageStep.created(c.builds));
    return new BaseImage(c.reference(), annotations, c.builds.stream()
        .map(a -> new BaseImage.Platform(a.arch,
            ImageStep.layerBlob(a.layer), a.config,
            a.uncompressedSize, ImageStep.installed(a.sources), a.layer.scripts(),
            a.packageLayers == null ? List.of() : ImageStep.lowerBlobs(a.packageLayers),
            a.packageLayers == null ? List.of() : ImageStep.lowerHistory(a.packageLayers),
            SbomStep.packages(a), SbomStep.os(a), SbomStep.provenanceBase(c, a)))
        .toList());
  }

  /** Beside the archive, so the layer is written on the same file system; else in the temp dir. */
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
}
