package dev.apkimg.maven;

import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import dev.apkimg.ApkimgException;
import dev.apkimg.OutputFiles;
import dev.apkimg.TemporaryFiles;
import dev.apkimg.api.Apkimg;
import dev.apkimg.api.BaseImage;
import dev.apkimg.api.BuildRequest;
import dev.apkimg.api.BuildResult;
import dev.apkimg.api.Outputs;
import dev.apkimg.image.PlatformImage;
import dev.apkimg.profile.ImageProfile;
import dev.apkimg.profile.ProfileLoader;
import dev.apkimg.repo.Repository;
import dev.apkimg.repo.RepositorySpec;
import dev.apkimg.sbom.ImageFacts;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.model.Resource;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;

/**
 * What the three goals share: the apk base from the core ({@link Apkimg#buildBase}), one per
 * architecture; the application layers and java entrypoint on top; each image assembled by
 * {@link PlatformImage} and published by {@link Apkimg#publish}, the CLI's path, with the CLI's
 * metadata schema. The goals differ only in where the image goes ({@link #targets}).
 *
 * <p>Somewhat under 400 lines because a third of it is Maven's parameter declarations, which
 * must live on the mojo; the parsing is in {@link ContainerSettings}, {@link ExtraDirectories},
 * {@link SbomSettings} and {@link ConfigValues}, the assembly in {@link AppLayers} and {@link AppImages}.
 */
public abstract class AbstractApkimgMojo extends AbstractMojo {
  @Parameter(defaultValue = "${project}", readonly = true, required = true)
  protected MavenProject project;

  @Parameter(defaultValue = "${session}", readonly = true, required = true)
  protected MavenSession session;

  /** The YAML image profile of the base image. */
  @Parameter(property = "apkimg.profile")
  File profile;

  /** Packages of the base image, instead of a profile (with {@code repositories} and {@code keyring}). */
  @Parameter(property = "apkimg.packages")
  List<String> packages = new ArrayList<>();

  /** Repositories: with {@code packages}, the base's; with {@code profile}, they replace the profile's. */
  @Parameter(property = "apkimg.repositories")
  List<String> repositories = new ArrayList<>();

  /** Signing keys (files, folders of *.pub, https URLs): with {@code profile}, trusted in addition. */
  @Parameter(property = "apkimg.keyring")
  List<String> keyring = new ArrayList<>();

  /** The apk architecture, e.g. {@code x86_64}; default: the profile's, else the build machine's. */
  @Parameter(property = "apkimg.arch")
  String arch;

  /** Several apk architectures: one image index with an image for each, e.g. x86_64 and aarch64. */
  @Parameter
  List<String> archs = new ArrayList<>();

  /** The package and key cache; default: apkimg's ({@code ~/.cache/apkimg}). */
  @Parameter(property = "apkimg.cacheDir")
  File cacheDir;

  /** {@code <to>}: image, tags, auth. Properties: {@code apkimg.to.image}, {@code apkimg.to.tags}, ... */
  @Parameter
  ToConfiguration to = new ToConfiguration();

  /** {@code <container>}: mainClass, jvmFlags, args, ... Properties: {@code apkimg.container.*}. */
  @Parameter
  ContainerConfiguration container = new ContainerConfiguration();

  /** {@code <extraDirectories>}: folders copied into the image. Properties: {@code apkimg.extraDirectories.*}. */
  @Parameter
  ExtraDirectoriesConfiguration extraDirectories = new ExtraDirectoriesConfiguration();

  /** {@code <outputPaths>}: digest, imageId, imageJson, tar. Properties: {@code apkimg.outputPaths.*}. */
  @Parameter
  OutputPathsConfiguration outputPaths = new OutputPathsConfiguration();

  /** Give up connecting to a package repository after this many seconds (decimals allowed). */
  @Parameter(property = "apkimg.connectTimeout", defaultValue = "10")
  String connectTimeout = "10";

  /**
   * Fail a package or index download when the repository sends nothing for this many seconds:
   * no answer, or a stall mid-file. Failures that may pass (HTTP 429 and 5xx, a refused or
   * broken connection) are tried 3 times in all.
   */
  @Parameter(property = "apkimg.readTimeout", defaultValue = "30")
  String readTimeout = "30";

  /** Talk to registries over plain HTTP or with unverified certificates. */
  @Parameter(property = "apkimg.allowInsecureRegistries", defaultValue = "false")
  boolean allowInsecureRegistries;

  /**
   * {@code packages}: one layer per package under the application layers (see the profile's
   * {@code layering}); {@code single}: one layer. Overrides the profile's strategy.
   */
  @Parameter(property = "apkimg.layering")
  String layering;

  @Parameter(property = "apkimg.skip", defaultValue = "false")
  boolean skip;

  /** Also trust unsigned indexes, or indexes signed with a key not in the keyring (with a warning). */
  @Parameter(property = "apkimg.allowUntrusted", defaultValue = "false")
  boolean allowUntrusted;

  /**
   * The folder the image's SBOMs are written to, one SPDX 2.3 ({@code ARCH.spdx.json}) and one
   * CycloneDX 1.6 ({@code ARCH.cdx.json}) per architecture, listing the apk packages, the
   * application and its jars, and its SLSA v1 provenance ({@code ARCH.provenance.json}, an
   * in-toto statement naming the project and every package, index, key and jar with its digest).
   * Default: {@code ${project.build.directory}/apkimg-sbom}, unless {@code <sbom>} is false.
   */
  @Parameter(property = "apkimg.sbomDir")
  File sbomDir;

  /**
   * Attach the SBOMs and the provenance to the image as OCI 1.1 referrers (to the pushed image, or
   * in the OCI tar).
   * Default: yes for {@code build}, no for {@code buildTar} and {@code dockerBuild}. {@code false}
   * turns SBOMs off altogether: no referrers, and no files unless {@code <sbomDir>} is set.
   */
  @Parameter(property = "apkimg.sbom")
  Boolean sbom;

  /** One publication of the image: the name it is recorded under, and where it goes. */
  record Target(String tag, Outputs.Builder outputs) {}

  /**
   * Where the image goes: one or more targets, the first of which also writes the metadata and
   * digest files. Each {@link Outputs.Builder} comes from {@code outputs.get()}, with the settings
   * every output shares (the insecure-registry permission).
   *
   * @param image the image name as given
   * @param tags the additional tags
   */
  abstract List<Target> targets(String image, List<String> tags, Supplier<Outputs.Builder> outputs,
      ConfigValues values) throws MojoFailureException;

  /** The goal's name, for messages. */
  abstract String goal();

  /** The image name when {@code <to><image>} is not set; null: it is required. */
  abstract String defaultImage();

  /** Whether the SBOMs are attached to the image when {@code <sbom>} is not set. */
  boolean attachSbomsByDefault() {
    return false;
  }

  @Override
  public final void execute() throws MojoExecutionException, MojoFailureException {
    if (skip) {
      getLog().info("apkimg: skipped (apkimg.skip)");
      return;
    }
    if ("pom".equals(project.getPackaging())) {
      getLog().info("apkimg: skipped, a pom project has no application");
      return;
    }
    try {
      run();
    } catch (ApkimgException e) {
      Throwable rendered = MavenMessages.rendered(e);
      throw new MojoFailureException(rendered.getMessage(), rendered);
    } catch (IOException e) {
      throw new MojoExecutionException(e.getMessage(), e);
    }
  }

  private void run() throws IOException, MojoFailureException {
    ConfigValues values = new ConfigValues(this::property);
    Path buildDir = Path.of(project.getBuild().getDirectory());
    Path classesDir = Path.of(project.getBuild().getOutputDirectory());
    // A project without sources or resources has no classes folder: its image is its dependencies
    // (e.g. apkimg-image, whose main class is in apkimg-cli).
    if (!Files.isDirectory(classesDir) && hasSourcesOrResources()) {
      throw new MojoFailureException(classesDir + " does not exist: compile the project first, e.g. mvn package apkimg:"
          + goal());
    }
    ContainerSettings settings = ContainerSettings.read(container, values, Clock.systemUTC());
    String mainClass = ProjectApp.mainClass(project, settings);
    String image = values.value("apkimg.to.image", to.image);
    if (image == null) {
      image = defaultImage();
      if (image == null) {
        throw new MojoFailureException("no target image: set <to><image> (or -Dapkimg.to.image), e.g. registry.example.com/app:1.0");
      }
    }
    reference(image);
    image = image.trim();
    List<String> tags = List.copyOf(new LinkedHashSet<>(values.list("apkimg.to.tags", new ArrayList<>(to.tags))));
    ExtraDirectories extra = ExtraDirectories.read(extraDirectories, values, project.getBasedir().toPath());

    Files.createDirectories(buildDir);
    BaseRequest base = request(values, image);
    checkOffline(base.builder(null).build());
    List<String> wantedArchs = values.list("apkimg.archs", archs);
    SbomSettings sboms = SbomSettings.read(values, sbomDir, sbom, attachSbomsByDefault(), project.getBasedir().toPath(),
        buildDir);
    List<Target> targets = targets(image, tags, () -> Outputs.builder()
        .allowInsecureRegistries(values.flag("apkimg.allowInsecureRegistries", allowInsecureRegistries))
        .sbom(sboms.attach()), values);
    for (Target target : targets) {
      String refusal = SbomSettings.refusal(target.outputs().build());
      if (refusal != null) {
        throw new MojoFailureException(refusal);
      }
    }

    Apkimg apkimg = apkimg(values);
    MavenBuildListener listener = new MavenBuildListener(getLog());
    Path work = TemporaryFiles.register(Files.createTempDirectory(buildDir, "apkimg-work-"));
    try {
      List<AppLayers.Jar> jars = ProjectApp.runtimeDependencies(project, goal());
      AppLayers.App appLayers = AppLayers.of(jars, classesDir, settings.appRoot(),
          settings.filesModificationTime(), settings.extraClasspath(), mainClass, work.resolve("app"));
      // The jars as they go into the image, hashed only when an SBOM will list them.
      ImageFacts.Application application = sboms.any()
          ? ProjectApp.application(project, settings.appRoot(), AppLayers.components(jars, settings.appRoot()))
          : null;
      List<AppLayers.Layer> layers = new ArrayList<>(appLayers.layers());
      AppLayers.Layer extraLayer = extra.layer(settings.filesModificationTime());
      if (extraLayer != null) {
        layers.add(extraLayer);
      }

      // <archs> names the architectures; else <arch>, else the profile's, as the CLI builds them.
      List<BaseImage> bases = new ArrayList<>();
      if (wantedArchs.isEmpty()) {
        bases.add(apkimg.buildBase(base.builder(values.value("apkimg.arch", arch))
            .layering(values.value("apkimg.layering", layering), "<layering>").build(),
            work.resolve("base"), listener));
      } else {
        for (String apkArch : new LinkedHashSet<>(wantedArchs)) {
          bases.add(apkimg.buildBase(base.builder(apkArch)
              .layering(values.value("apkimg.layering", layering), "<layering>").build(),
              work.resolve("base-" + bases.size()), listener));
        }
      }
      AppImages app = AppImages.assemble(bases, settings, mainClass, appLayers.classpath(), layers, work);
      List<PlatformImage> images = app.images();
      getLog().info("apkimg: built " + images.stream().map(PlatformImage::platform).collect(Collectors.joining(", "))
          + " with " + layers.size() + " application layers"
          + (settings.runsJava() ? ", main class " + mainClass : ""));

      BuildResult result = null;
      for (Target target : targets) {
        Outputs.Builder outputs = target.outputs();
        if (result == null) {
          outputs.metadataFile(outputPath(values, "imageJson", outputPaths.imageJson, buildDir.resolve("apkimg-image.json")))
              .digestFile(outputPath(values, "digest", outputPaths.digest, buildDir.resolve("apkimg-image.digest")))
              .sbomDir(sboms.dir());
        }
        BuildResult r = apkimg.publish(app.base(target.tag(), application), images,
            base.builder(null).outputs(outputs.build()).build(), listener);
        result = result == null ? r : result;
      }
      Path imageIdFile = outputPath(values, "imageId", outputPaths.imageId, buildDir.resolve("apkimg-image.id"));
      OutputFiles.write(imageIdFile, (images.get(0).configDigest() + "\n").getBytes(StandardCharsets.US_ASCII));
      getLog().info("apkimg: " + image + " " + result.digest());
      if (sboms.dir() != null) {
        getLog().info("apkimg: SBOMs (SPDX, CycloneDX) and provenance (SLSA) in " + sboms.dir());
      }
    } finally {
      TemporaryFiles.delete(work);
    }
  }

  /** apkimg, reading repositories with {@code <connectTimeout>} and {@code <readTimeout>}. */
  Apkimg apkimg(ConfigValues values) {
    return Apkimg.create(values.seconds("apkimg.connectTimeout", connectTimeout, "<connectTimeout>", "10"),
        values.seconds("apkimg.readTimeout", readTimeout, "<readTimeout>", "30"));
  }

  /**
   * {@code image} under another tag, spelled as the user spelled it ({@code app:1.0} becomes
   * {@code app:latest}, not {@code registry-1.docker.io/library/app:latest}); a digest is dropped.
   */
  static String withTag(String image, String tag) {
    String name = image.trim();
    int at = name.indexOf('@');
    if (at >= 0) {
      name = name.substring(0, at);
    }
    int colon = name.lastIndexOf(':');
    if (colon > name.lastIndexOf('/')) {
      name = name.substring(0, colon);
    }
    return name + ":" + tag;
  }

  /** An output file: the property, else {@code <outputPaths>}, else the default; relative to the project. */
  Path outputPath(ConfigValues values, String name, File configured, Path fallback) {
    String value = values.value("apkimg.outputPaths." + name, configured == null ? null : configured.getPath());
    return value == null ? fallback : project.getBasedir().toPath().resolve(value).normalize();
  }

  /** The base's request for one architecture ({@code null}: the profile's or the machine's), without outputs. */
  interface BaseRequest {
    BuildRequest.Builder builder(String arch);
  }

  /** The base's profile: the one configured, or one made in memory from the inline packages. */
  private BaseRequest request(ConfigValues values, String image) throws MojoFailureException {
    String profileSetting = values.value("apkimg.profile", profile == null ? null : profile.getPath());
    List<String> repos = values.list("apkimg.repositories", repositories).stream()
        .map(this::absoluteRepository).collect(Collectors.toList());
    List<String> keys = values.list("apkimg.keyring", keyring).stream()
        .map(this::absoluteKey).collect(Collectors.toList());
    List<String> pkgs = values.list("apkimg.packages", packages);
    Supplier<BuildRequest.Builder> start;
    if (profileSetting != null) {
      if (!pkgs.isEmpty()) {
        throw new MojoFailureException("set either <profile> or <packages>, not both");
      }
      Path profilePath = project.getBasedir().toPath().resolve(profileSetting).normalize();
      if (!Files.isRegularFile(profilePath)) {
        throw new MojoFailureException("profile " + profilePath + " does not exist (<profile> / -Dapkimg.profile)");
      }
      start = () -> BuildRequest.builder(profilePath).repositories(repos).extraKeys(keys);
    } else if (!pkgs.isEmpty()) {
      if (repos.isEmpty()) {
        throw new MojoFailureException("<packages> needs <repositories> (and <keyring> with their signing keys)");
      }
      ImageProfile inline = new ImageProfile(new ImageProfile.Contents(repos, keys, pkgs), List.of(), null, null,
          Map.of(), null);
      start = () -> BuildRequest.builder(inline, project.getBasedir().toPath());
    } else {
      throw new MojoFailureException("no base image: set <profile> (an apkimg YAML profile) or <packages> with <repositories> and <keyring>");
    }
    String cache = values.value("apkimg.cacheDir", cacheDir == null ? null : cacheDir.getPath());
    Path cachePath = cache == null ? null : project.getBasedir().toPath().resolve(cache);
    boolean untrusted = values.flag("apkimg.allowUntrusted", allowUntrusted);
    return apkArch -> start.get().arch(apkArch).cacheDir(cachePath).imageReference(image).allowUntrusted(untrusted);
  }

  /**
   * Offline (-o) means no network: apkimg reads the repositories' indexes at every build, so
   * remote repositories are refused unless a lockfile pins the packages (then the package cache
   * serves them, and a package missing from it fails the build).
   */
  private void checkOffline(BuildRequest request) throws MojoFailureException {
    if (!session.isOffline() || request.profileFile() != null
        && Files.isRegularFile(BuildRequest.defaultLockfile(request.profileFile()))) {
      return;
    }
    Path profileDir = request.baseDir();
    ImageProfile loaded = request.profileFile() != null ? ProfileLoader.load(request.profileFile()) : request.profile();
    List<Repository> repos = request.repositories().isEmpty()
        ? java.util.stream.Stream.concat(loaded.contents().repositories().stream(), loaded.contents().buildRepositories().stream())
            .map(r -> Repository.parse(r, profileDir)).collect(Collectors.toList())
        : request.repositories().stream().map(r -> Repository.parse(r, null)).collect(Collectors.toList());
    for (Repository repo : repos) {
      String scheme = repo.base().getScheme();
      if ("http".equals(scheme) || "https".equals(scheme)) {
        throw new MojoFailureException("Maven is offline (-o) but the base image needs repository " + repo.spec()
            + ": build online, use a local mirror (file:// or a path), or pin the packages with 'apkimg lock'");
      }
    }
  }

  private static ImageReference reference(String image) throws MojoFailureException {
    try {
      return ImageReference.parse(image.trim());
    } catch (InvalidImageReferenceException e) {
      throw new MojoFailureException("'" + image + "' is not a valid image reference (<to><image>)");
    }
  }

  private String absoluteRepository(String spec) {
    // Plain paths are relative to the project, not to wherever mvn was started.
    return RepositorySpec.parse(spec).relativeTo(project.getBasedir().toPath()).toString();
  }

  private String absoluteKey(String key) {
    String k = key.trim();
    return k.contains("://") ? k : project.getBasedir().toPath().resolve(k).normalize().toString();
  }

  private boolean hasSourcesOrResources() {
    Stream<String> dirs = Stream.concat(project.getCompileSourceRoots().stream(),
        project.getBuild().getResources().stream().map(Resource::getDirectory));
    return dirs.anyMatch(dir -> dir != null && Files.isDirectory(project.getBasedir().toPath().resolve(dir)));
  }

  /** A {@code -D}, system or project property, or {@code null}. */
  String property(String name) {
    String value = session.getUserProperties().getProperty(name);
    if (value == null) {
      value = session.getSystemProperties().getProperty(name);
    }
    if (value == null) {
      value = project.getProperties().getProperty(name);
    }
    return value;
  }
}
