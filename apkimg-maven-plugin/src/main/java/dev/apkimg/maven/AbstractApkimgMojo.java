package dev.apkimg.maven;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import dev.apkimg.ApkimgException;
import dev.apkimg.OutputFiles;
import dev.apkimg.TemporaryFiles;
import dev.apkimg.build.BuildMetadata;
import dev.apkimg.build.BuildRequest;
import dev.apkimg.build.BuildResult;
import dev.apkimg.build.ImageBuilder;
import dev.apkimg.build.RootfsBuild;
import dev.apkimg.image.ImageConfig;
import dev.apkimg.image.ImageOutputs;
import dev.apkimg.image.ImagePublisher;
import dev.apkimg.image.PlatformImage;
import dev.apkimg.image.PublishResult;
import dev.apkimg.image.RootfsImage;
import dev.apkimg.profile.ImageProfile;
import dev.apkimg.profile.ProfileLoader;
import dev.apkimg.repo.Repository;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;
import org.apache.maven.artifact.Artifact;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.model.Plugin;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;
import org.codehaus.plexus.util.xml.Xpp3Dom;

/**
 * What the three goals share: the apk base from the core ({@link ImageBuilder#buildRootfs}), one
 * per architecture; the application layers and java entrypoint on top; the image assembled by
 * {@link PlatformImage} and published by {@link ImagePublisher}, as the CLI's; and the output
 * files in the CLI's metadata schema. The goals differ only in where the image goes ({@link
 * #outputs}).
 */
public abstract class AbstractApkimgMojo extends AbstractMojo {
  private static final ObjectMapper JSON = new ObjectMapper();

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

  /** Talk to registries over plain HTTP or with unverified certificates. */
  @Parameter(property = "apkimg.allowInsecureRegistries", defaultValue = "false")
  boolean allowInsecureRegistries;

  @Parameter(property = "apkimg.skip", defaultValue = "false")
  boolean skip;

  /**
   * Where the image goes: one or more outputs, each started from {@code outputs.get()} (the
   * shared settings: insecure registries, index annotations, the staged files).
   *
   * @param image the image name as given; {@code reference} the same, parsed
   * @param tags the additional tags
   */
  abstract List<ImageOutputs> outputs(String image, ImageReference reference, List<String> tags,
      OutputsStart outputs, ConfigValues values) throws MojoFailureException;

  /** The goal's name, for messages. */
  abstract String goal();

  /** The image name when {@code <to><image>} is not set; null: it is required. */
  abstract String defaultImage();

  /** A fresh {@link ImageOutputs.Builder} for a tag, with the settings every output shares. */
  interface OutputsStart {
    ImageOutputs.Builder get(String tag);
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
      throw new MojoFailureException(MavenMessages.render(e.getMessage()), MavenMessages.rendered(e));
    } catch (IOException e) {
      throw new MojoExecutionException(MavenMessages.render(e.getMessage()), MavenMessages.rendered(e));
    }
  }

  private void run() throws IOException, MojoFailureException {
    ConfigValues values = new ConfigValues(this::property);
    Path buildDir = Path.of(project.getBuild().getDirectory());
    Path classesDir = Path.of(project.getBuild().getOutputDirectory());
    if (!Files.isDirectory(classesDir)) {
      throw new MojoFailureException(classesDir + " does not exist: compile the project first, e.g. mvn package apkimg:"
          + goal());
    }
    ContainerSettings settings = ContainerSettings.read(container, values, Clock.systemUTC());
    String mainClass = mainClass(settings);
    String image = values.value("apkimg.to.image", to.image);
    if (image == null) {
      image = defaultImage();
      if (image == null) {
        throw new MojoFailureException("no target image: set <to><image> (or -Dapkimg.to.image), e.g. registry.example.com/app:1.0");
      }
    }
    ImageReference reference = reference(image);
    List<String> tags = List.copyOf(new LinkedHashSet<>(values.list("apkimg.to.tags", new ArrayList<>(to.tags))));
    ExtraDirectories extra = ExtraDirectories.read(extraDirectories, values, project.getBasedir().toPath());

    Files.createDirectories(buildDir);
    BaseRequest base = request(values, buildDir);
    checkOffline(base.request(null));
    List<String> wantedArchs = values.list("apkimg.archs", archs);
    if (wantedArchs.isEmpty()) {
      wantedArchs = java.util.Collections.singletonList(values.value("apkimg.arch", arch));
    }
    ImageProfile loaded = ProfileLoader.load(base.request(null).profile());

    Path work = TemporaryFiles.register(Files.createTempDirectory(buildDir, "apkimg-work-"));
    try (OutputFiles files = new OutputFiles()) {
      AppLayers.App app = AppLayers.of(runtimeDependencies(), classesDir, settings.appRoot(),
          settings.filesModificationTime(), settings.extraClasspath(), mainClass, work.resolve("app"));
      List<AppLayers.Layer> layers = new ArrayList<>(app.layers());
      AppLayers.Layer extraLayer = extra.layer(settings.filesModificationTime());
      if (extraLayer != null) {
        layers.add(extraLayer);
      }

      List<PlatformImage> images = new ArrayList<>();
      List<BuildResult.ArchImage> archImages = new ArrayList<>();
      Map<String, String> annotations = null;
      for (String apkArch : wantedArchs) {
        Path archWork = work.resolve("arch-" + images.size());
        RootfsBuild rootfs = new ImageBuilder().buildRootfs(base.request(apkArch), new MavenBuildListener(getLog()),
            archWork.resolve("rootfs"));
        ImageConfig config = settings.imageConfig(rootfs.config(), mainClass, app.classpath());
        if (annotations == null) {
          annotations = ImageBuilder.imageAnnotations(loaded, config.created());
        }
        RootfsImage rootfsImage = RootfsImage.create(rootfs.layer(), config, archWork.resolve("image"));
        JibContainerBuilder builder = rootfsImage.containerBuilder();
        layers.forEach(layer -> builder.addFileEntriesLayer(layer.layer()));
        PlatformImage platformImage = PlatformImage.build(rootfsImage, builder, annotations);
        images.add(platformImage);
        archImages.add(new BuildResult.ArchImage(rootfs.arch(), platformImage.platform(),
            platformImage.manifestDigest(), platformImage.configDigest(), rootfs.layer().digest(),
            rootfs.layer().diffId(), platformImage.compressedSize(), uncompressedSize(platformImage),
            rootfs.packages(), List.of()));
      }
      getLog().info("apkimg: built " + images.stream().map(PlatformImage::platform).collect(Collectors.joining(", "))
          + " with " + layers.size() + " application layers"
          + (settings.runsJava() ? ", main class " + mainClass : ""));

      Map<String, String> indexAnnotations = annotations;
      OutputsStart start = tag -> ImageOutputs.builder(tag)
          .allowInsecureRegistries(values.flag("apkimg.allowInsecureRegistries", allowInsecureRegistries))
          .indexAnnotations(indexAnnotations)
          .files(files);
      List<PublishResult> published = new ArrayList<>();
      for (ImageOutputs outputs : outputs(image.trim(), reference, tags, start, values)) {
        published.add(ImagePublisher.publish(images, outputs, line -> getLog().info("apkimg: " + line)));
      }
      PublishResult first = published.get(0);
      List<String> pushed = published.stream().flatMap(p -> p.pushed().stream()).toList();
      Path archive = published.stream().map(PublishResult::archive).filter(a -> a != null).findFirst().orElse(null);
      BuildResult result = new BuildResult(first.digest(), first.mediaType(), image.trim(), archive, pushed,
          published.stream().anyMatch(PublishResult::loaded), archImages);
      Path metadataFile = outputPath(values, "imageJson", outputPaths.imageJson, buildDir.resolve("apkimg-image.json"));
      Path digestFile = outputPath(values, "digest", outputPaths.digest, buildDir.resolve("apkimg-image.digest"));
      Path imageIdFile = outputPath(values, "imageId", outputPaths.imageId, buildDir.resolve("apkimg-image.id"));
      BuildMetadata.stageMetadata(result, metadataFile, files);
      BuildMetadata.stageDigest(result, digestFile, files);
      files.writeStaged(files.stage(imageIdFile), f -> Files.writeString(f, images.get(0).configDigest() + "\n",
          StandardCharsets.US_ASCII));
      files.commit();
      getLog().info("apkimg: " + image.trim() + " " + result.digest());
    } finally {
      TemporaryFiles.delete(work);
    }
  }

  /** The layers' tar bytes, for the metadata's {@code uncompressedSize}: read back (jib compressed the app's layers). */
  private static long uncompressedSize(PlatformImage image) throws IOException {
    long total = 0;
    for (PlatformImage.Layer layer : image.layers()) {
      try (InputStream in = new GZIPInputStream(Files.newInputStream(layer.file()), 1 << 16)) {
        total += in.transferTo(java.io.OutputStream.nullOutputStream());
      }
    }
    return total;
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

  /** The base's request for one architecture ({@code null}: the profile's or the machine's). */
  interface BaseRequest {
    BuildRequest request(String arch);
  }

  /** The base's profile: the one configured, or one written from the inline packages. */
  private BaseRequest request(ConfigValues values, Path buildDir) throws IOException, MojoFailureException {
    String profileSetting = values.value("apkimg.profile", profile == null ? null : profile.getPath());
    List<String> repos = values.list("apkimg.repositories", repositories).stream()
        .map(this::absoluteRepository).collect(Collectors.toList());
    List<String> keys = values.list("apkimg.keyring", keyring).stream()
        .map(this::absoluteKey).collect(Collectors.toList());
    List<String> pkgs = values.list("apkimg.packages", packages);
    Path profilePath;
    List<String> overrideRepos;
    List<String> extraKeys;
    if (profileSetting != null) {
      if (!pkgs.isEmpty()) {
        throw new MojoFailureException("set either <profile> or <packages>, not both");
      }
      profilePath = project.getBasedir().toPath().resolve(profileSetting).normalize();
      if (!Files.isRegularFile(profilePath)) {
        throw new MojoFailureException("profile " + profilePath + " does not exist (<profile> / -Dapkimg.profile)");
      }
      overrideRepos = repos;
      extraKeys = keys;
    } else if (!pkgs.isEmpty()) {
      if (repos.isEmpty()) {
        throw new MojoFailureException("<packages> needs <repositories> (and <keyring> with their signing keys)");
      }
      profilePath = buildDir.resolve("apkimg-profile.yaml");
      // JSON is YAML: the core reads this like any profile, and quoting is Jackson's problem.
      ObjectNode contents = JSON.createObjectNode();
      ObjectNode c = contents.putObject("contents");
      repos.forEach(c.putArray("repositories")::add);
      keys.forEach(c.putArray("keyring")::add);
      pkgs.forEach(c.putArray("packages")::add);
      Files.writeString(profilePath, JSON.writeValueAsString(contents), StandardCharsets.UTF_8);
      overrideRepos = List.of();
      extraKeys = List.of();
    } else {
      throw new MojoFailureException("no base image: set <profile> (an apkimg YAML profile) or <packages> with <repositories> and <keyring>");
    }
    String cache = values.value("apkimg.cacheDir", cacheDir == null ? null : cacheDir.getPath());
    Path cachePath = cache == null ? null : project.getBasedir().toPath().resolve(cache);
    return apkArch -> BuildRequest.builder(profilePath).repositories(overrideRepos).extraKeys(extraKeys)
        .arch(apkArch).cacheDir(cachePath).build();
  }

  /**
   * Offline (-o) means no network: apkimg reads the repositories' indexes at every build, so
   * remote repositories are refused unless a lockfile pins the packages (then the package cache
   * serves them, and a package missing from it fails the build).
   */
  private void checkOffline(BuildRequest request) throws MojoFailureException {
    if (!session.isOffline() || Files.isRegularFile(ImageBuilder.defaultLockfile(request.profile()))) {
      return;
    }
    Path profileDir = request.profile().toAbsolutePath().getParent();
    ImageProfile loaded = ProfileLoader.load(request.profile());
    List<Repository> repos = request.repositories().isEmpty()
        ? loaded.contents().repositories().stream().map(r -> Repository.parse(r, profileDir)).collect(Collectors.toList())
        : request.repositories().stream().map(r -> Repository.parse(r, null)).collect(Collectors.toList());
    for (Repository repo : repos) {
      String scheme = repo.base().getScheme();
      if ("http".equals(scheme) || "https".equals(scheme)) {
        throw new MojoFailureException("Maven is offline (-o) but the base image needs repository " + repo.spec()
            + ": build online, use a local mirror (file:// or a path), or pin the packages with 'apkimg lock'");
      }
    }
  }

  /** The runtime dependencies in Maven's order, which is the classpath's. */
  private List<AppLayers.Jar> runtimeDependencies() throws MojoFailureException {
    List<AppLayers.Jar> jars = new ArrayList<>();
    for (Artifact a : project.getArtifacts()) {
      if (!a.getArtifactHandler().isAddedToClasspath()
          || !(Artifact.SCOPE_COMPILE.equals(a.getScope()) || Artifact.SCOPE_RUNTIME.equals(a.getScope()))) {
        continue;
      }
      if (a.getFile() == null || !a.getFile().isFile()) {
        throw new MojoFailureException("dependency " + a + " has no jar file (" + a.getFile()
            + "): package it first, e.g. mvn package apkimg:" + goal());
      }
      jars.add(new AppLayers.Jar(a.getGroupId(), a.getFile().toPath(), a.isSnapshot()));
    }
    return jars;
  }

  /**
   * The configured main class, else the jar manifest's or maven-jar-plugin's Main-Class; needed
   * for the java entrypoint only ({@code null} with another entrypoint and none found).
   */
  private String mainClass(ContainerSettings settings) throws MojoFailureException, IOException {
    String mainClass = settings.mainClass();
    if (mainClass == null) {
      mainClass = manifestMainClass();
      if (mainClass != null && !mainClass.isBlank()) {
        ContainerSettings.checkMainClass(mainClass);
      }
    }
    if ((mainClass == null || mainClass.isBlank()) && settings.runsJava()) {
      throw new MojoFailureException("no main class: set <container><mainClass> (or -Dapkimg.container.mainClass), "
          + "or a Main-Class in the jar manifest (maven-jar-plugin <archive><manifest><mainClass>)");
    }
    return mainClass == null || mainClass.isBlank() ? null : mainClass;
  }

  private String manifestMainClass() throws IOException {
    File jar = project.getArtifact() == null ? null : project.getArtifact().getFile();
    if (jar != null && jar.isFile() && jar.getName().endsWith(".jar")) {
      try (JarFile file = new JarFile(jar)) {
        if (file.getManifest() != null) {
          String main = file.getManifest().getMainAttributes().getValue("Main-Class");
          if (main != null) {
            return main.trim();
          }
        }
      }
    }
    // Before the jar is packaged (mvn compile apkimg:buildTar), the jar plugin's configuration says it.
    Plugin jarPlugin = project.getPlugin("org.apache.maven.plugins:maven-jar-plugin");
    if (jarPlugin != null && jarPlugin.getConfiguration() instanceof Xpp3Dom config) {
      Xpp3Dom archive = config.getChild("archive");
      Xpp3Dom manifest = archive == null ? null : archive.getChild("manifest");
      Xpp3Dom main = manifest == null ? null : manifest.getChild("mainClass");
      if (main != null && main.getValue() != null && !main.getValue().contains("${")) {
        return main.getValue().trim();
      }
    }
    return null;
  }

  private static ImageReference reference(String image) throws MojoFailureException {
    try {
      return ImageReference.parse(image.trim());
    } catch (InvalidImageReferenceException e) {
      throw new MojoFailureException("'" + image + "' is not a valid image reference (<to><image>)");
    }
  }

  private String absoluteRepository(String spec) {
    String s = spec.trim();
    String tag = "";
    if (s.startsWith("@")) {
      int space = s.indexOf(' ');
      if (space > 0) {
        tag = s.substring(0, space + 1);
        s = s.substring(space + 1).trim();
      }
    }
    // Plain paths are relative to the project, not to wherever mvn was started.
    return s.contains("://") ? spec.trim() : tag + project.getBasedir().toPath().resolve(s).normalize();
  }

  private String absoluteKey(String key) {
    String k = key.trim();
    return k.contains("://") ? k : project.getBasedir().toPath().resolve(k).normalize().toString();
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
