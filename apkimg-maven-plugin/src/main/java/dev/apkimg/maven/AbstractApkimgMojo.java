package dev.apkimg.maven;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import com.google.cloud.tools.jib.api.buildplan.Port;
import dev.apkimg.ApkimgException;
import dev.apkimg.api.Apkimg;
import dev.apkimg.api.BaseImage;
import dev.apkimg.api.BuildRequest;
import dev.apkimg.api.BuildResult;
import dev.apkimg.image.RootfsImage;
import dev.apkimg.profile.ImageProfile;
import dev.apkimg.profile.ProfileLoader;
import dev.apkimg.repo.Repository;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
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
 * What the three goals share: the apk base from the core ({@link Apkimg#buildBase}), the
 * application layers and java entrypoint on top with jib, and the metadata files. The goals
 * differ only in where the image goes ({@link #containerizer}).
 */
public abstract class AbstractApkimgMojo extends AbstractMojo {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final Pattern CLASS_NAME =
      Pattern.compile("[\\p{L}_$][\\p{L}\\p{N}_$]*(\\.[\\p{L}_$][\\p{L}\\p{N}_$]*)*");

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

  /** The package and key cache; default: apkimg's ({@code ~/.cache/apkimg}). */
  @Parameter(property = "apkimg.cacheDir")
  File cacheDir;

  /** {@code <to>}: image, tags, auth. Properties: {@code apkimg.to.image}, {@code apkimg.to.tags}, ... */
  @Parameter
  ToConfiguration to = new ToConfiguration();

  /** {@code <container>}: mainClass, jvmFlags, args, ... Properties: {@code apkimg.container.*}. */
  @Parameter
  ContainerConfiguration container = new ContainerConfiguration();

  /** Talk to registries over plain HTTP or with unverified certificates. */
  @Parameter(property = "apkimg.allowInsecureRegistries", defaultValue = "false")
  boolean allowInsecureRegistries;

  @Parameter(property = "apkimg.skip", defaultValue = "false")
  boolean skip;

  /** Where the image goes; {@code reference} is the image's name with its tag. */
  abstract Containerizer containerizer(ImageReference reference) throws MojoFailureException;

  /** The goal's name, for messages. */
  abstract String goal();

  /** The image name when {@code <to><image>} is not set; null: it is required. */
  abstract String defaultImage();

  /** What the goal adds to the metadata file, e.g. the tar's path and layer digests. */
  void describe(ObjectNode metadata) throws IOException {}

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
      throw new MojoFailureException(e.getMessage(), e);
    } catch (IOException e) {
      throw new MojoExecutionException(e.getMessage(), e);
    }
  }

  private void run() throws IOException, MojoFailureException {
    Path buildDir = Path.of(project.getBuild().getDirectory());
    Path classesDir = Path.of(project.getBuild().getOutputDirectory());
    if (!Files.isDirectory(classesDir)) {
      throw new MojoFailureException(classesDir + " does not exist: compile the project first, e.g. mvn package apkimg:"
          + goal());
    }
    String mainClass = mainClass();
    AbsoluteUnixPath appRoot = absolute("appRoot", property("apkimg.container.appRoot", container.appRoot));
    ImageFormat format = format();
    String image = property("apkimg.to.image", to.image);
    if (image == null || image.isBlank()) {
      image = defaultImage();
      if (image == null) {
        throw new MojoFailureException("no target image: set <to><image> (or -Dapkimg.to.image), e.g. registry.example.com/app:1.0");
      }
    }
    ImageReference reference = reference(image);
    Set<String> tags = new LinkedHashSet<>(listProperty("apkimg.to.tags", new ArrayList<>(to.tags)));

    Files.createDirectories(buildDir);
    BuildRequest request = request(buildDir);
    checkOffline(request);
    Path work = Files.createTempDirectory(buildDir, "apkimg-work-");
    try {
      BaseImage.Platform rootfs = Apkimg.create().buildBase(request, work.resolve("rootfs"), new MavenBuildListener(getLog()))
          .platforms().get(0);
      RootfsImage base = RootfsImage.create(rootfs.layer(), rootfs.config(), work.resolve("image"));
      JibContainerBuilder builder = base.containerBuilder().setFormat(format);

      List<AppLayers.Layer> layers = AppLayers.of(runtimeDependencies(), classesDir, appRoot);
      for (AppLayers.Layer layer : layers) {
        builder.addFileEntriesLayer(layer.layer());
      }
      List<String> entrypoint = new ArrayList<>();
      entrypoint.add("java");
      entrypoint.addAll(listProperty("apkimg.container.jvmFlags", container.jvmFlags));
      entrypoint.addAll(List.of("-cp", AppLayers.classpath(appRoot), mainClass));
      builder.setEntrypoint(entrypoint);
      // Always set: the profile's cmd was written for the profile's entrypoint, not for java.
      builder.setProgramArguments(listProperty("apkimg.container.args", container.args));
      mapProperty("apkimg.container.environment", container.environment).forEach(builder::addEnvironmentVariable);
      mapProperty("apkimg.container.labels", container.labels).forEach(builder::addLabel);
      builder.setExposedPorts(ports(listProperty("apkimg.container.ports", container.ports)));
      String user = property("apkimg.container.user", container.user);
      if (user != null && !user.isBlank()) {
        builder.setUser(user);
      }
      String workingDirectory = property("apkimg.container.workingDirectory", container.workingDirectory);
      if (workingDirectory != null && !workingDirectory.isBlank()) {
        builder.setWorkingDirectory(absolute("workingDirectory", workingDirectory));
      }

      Containerizer containerizer = containerizer(reference)
          .setAllowInsecureRegistries(allowInsecureRegistries)
          .addEventHandler(LogEvent.class, this::log);
      tags.forEach(containerizer::withAdditionalTag);
      getLog().info("apkimg: building " + reference + " (" + format + ") with main class " + mainClass);
      JibContainer result = containerize(base, builder, containerizer);
      writeMetadata(buildDir, result, reference, format, rootfs, layers, mainClass);
      getLog().info("apkimg: built " + reference + " " + result.getDigest());
    } finally {
      deleteRecursively(work);
    }
  }

  /**
   * Runs jib. With {@code <allowInsecureRegistries>}, credentials may go to a plain-HTTP registry,
   * as with the CLI's --allow-insecure-registry; jib reads that permission from a system
   * property, which is set for this call only and restored after.
   */
  private JibContainer containerize(RootfsImage base, JibContainerBuilder builder, Containerizer containerizer)
      throws IOException {
    synchronized (AbstractApkimgMojo.class) {
      String key = "sendCredentialsOverHttp";
      String previous = System.getProperty(key);
      if (allowInsecureRegistries) {
        System.setProperty(key, "true");
      }
      try {
        return base.containerize(builder, containerizer);
      } finally {
        if (previous == null) {
          System.clearProperty(key);
        } else {
          System.setProperty(key, previous);
        }
      }
    }
  }

  /** The base's profile: the one configured, or one written from the inline packages. */
  private BuildRequest request(Path buildDir) throws IOException, MojoFailureException {
    String profileSetting = property("apkimg.profile", profile == null ? null : profile.getPath());
    List<String> repos = listProperty("apkimg.repositories", repositories).stream()
        .map(this::absoluteRepository).collect(Collectors.toList());
    List<String> keys = listProperty("apkimg.keyring", keyring).stream()
        .map(this::absoluteKey).collect(Collectors.toList());
    List<String> pkgs = listProperty("apkimg.packages", packages);
    BuildRequest.Builder request;
    if (profileSetting != null && !profileSetting.isBlank()) {
      if (!pkgs.isEmpty()) {
        throw new MojoFailureException("set either <profile> or <packages>, not both");
      }
      Path path = project.getBasedir().toPath().resolve(profileSetting).normalize();
      if (!Files.isRegularFile(path)) {
        throw new MojoFailureException("profile " + path + " does not exist (<profile> / -Dapkimg.profile)");
      }
      request = BuildRequest.builder(path).repositories(repos).extraKeys(keys);
    } else if (!pkgs.isEmpty()) {
      if (repos.isEmpty()) {
        throw new MojoFailureException("<packages> needs <repositories> (and <keyring> with their signing keys)");
      }
      Path generated = buildDir.resolve("apkimg-profile.yaml");
      // JSON is YAML: the core reads this like any profile, and quoting is Jackson's problem.
      ObjectNode contents = JSON.createObjectNode();
      ObjectNode c = contents.putObject("contents");
      repos.forEach(c.putArray("repositories")::add);
      keys.forEach(c.putArray("keyring")::add);
      pkgs.forEach(c.putArray("packages")::add);
      Files.writeString(generated, JSON.writeValueAsString(contents), StandardCharsets.UTF_8);
      request = BuildRequest.builder(generated);
    } else {
      throw new MojoFailureException("no base image: set <profile> (an apkimg YAML profile) or <packages> with <repositories> and <keyring>");
    }
    String archSetting = property("apkimg.arch", arch);
    String cache = property("apkimg.cacheDir", cacheDir == null ? null : cacheDir.getPath());
    return request.arch(archSetting == null || archSetting.isBlank() ? null : archSetting)
        .cacheDir(cache == null || cache.isBlank() ? null : project.getBasedir().toPath().resolve(cache))
        .build();
  }

  /**
   * Offline (-o) means no network: apkimg reads the repositories' indexes at every build, so
   * remote repositories are refused unless a lockfile pins the packages (then the package cache
   * serves them, and a package missing from it fails the build).
   */
  private void checkOffline(BuildRequest request) throws MojoFailureException {
    if (!session.isOffline() || Files.isRegularFile(BuildRequest.defaultLockfile(request.profileFile()))) {
      return;
    }
    Path profileDir = request.baseDir();
    ImageProfile loaded = ProfileLoader.load(request.profileFile());
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

  private List<Artifact> runtimeDependencies() throws MojoFailureException {
    List<Artifact> jars = new ArrayList<>();
    for (Artifact a : project.getArtifacts()) {
      if (!a.getArtifactHandler().isAddedToClasspath()
          || !(Artifact.SCOPE_COMPILE.equals(a.getScope()) || Artifact.SCOPE_RUNTIME.equals(a.getScope()))) {
        continue;
      }
      if (a.getFile() == null || !a.getFile().isFile()) {
        throw new MojoFailureException("dependency " + a + " has no jar file (" + a.getFile()
            + "): package it first, e.g. mvn package apkimg:" + goal());
      }
      jars.add(a);
    }
    return jars;
  }

  /** The configured main class, else the jar manifest's or maven-jar-plugin's Main-Class. */
  private String mainClass() throws MojoFailureException, IOException {
    String mainClass = property("apkimg.container.mainClass", container.mainClass);
    if (mainClass == null || mainClass.isBlank()) {
      mainClass = manifestMainClass();
    }
    if (mainClass == null || mainClass.isBlank()) {
      throw new MojoFailureException("no main class: set <container><mainClass> (or -Dapkimg.container.mainClass), "
          + "or a Main-Class in the jar manifest (maven-jar-plugin <archive><manifest><mainClass>)");
    }
    mainClass = mainClass.trim();
    if (!CLASS_NAME.matcher(mainClass).matches()) {
      throw new MojoFailureException("main class '" + mainClass + "' is not a Java class name");
    }
    return mainClass;
  }

  private String manifestMainClass() throws IOException {
    File jar = project.getArtifact() == null ? null : project.getArtifact().getFile();
    if (jar != null && jar.isFile() && jar.getName().endsWith(".jar")) {
      try (JarFile file = new JarFile(jar)) {
        if (file.getManifest() != null) {
          String main = file.getManifest().getMainAttributes().getValue("Main-Class");
          if (main != null) {
            return main;
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
        return main.getValue();
      }
    }
    return null;
  }

  private ImageFormat format() throws MojoFailureException {
    String format = property("apkimg.container.format", container.format);
    if (format == null || format.isBlank() || format.equalsIgnoreCase("oci")) {
      return ImageFormat.OCI;
    }
    if (format.equalsIgnoreCase("docker")) {
      return ImageFormat.Docker;
    }
    throw new MojoFailureException("<container><format> is " + format + ": use OCI or Docker");
  }

  private static ImageReference reference(String image) throws MojoFailureException {
    try {
      return ImageReference.parse(image.trim());
    } catch (InvalidImageReferenceException e) {
      throw new MojoFailureException("'" + image + "' is not a valid image reference (<to><image>)");
    }
  }

  private static AbsoluteUnixPath absolute(String what, String path) throws MojoFailureException {
    if (path == null || !path.startsWith("/")) {
      throw new MojoFailureException("<container><" + what + "> must be an absolute path, was " + path);
    }
    return AbsoluteUnixPath.get(path);
  }

  /** Ports as jib and Dockerfiles write them: {@code 8080}, {@code 53/udp}, {@code 7000-7002/tcp}. */
  static Set<Port> ports(List<String> specs) throws MojoFailureException {
    Set<Port> ports = new LinkedHashSet<>();
    for (String spec : specs) {
      try {
        for (String port : dev.apkimg.image.Ports.expand(spec)) { // PORT/tcp or PORT/udp
          int number = Integer.parseInt(port.substring(0, port.indexOf('/')));
          ports.add(port.endsWith("/udp") ? Port.udp(number) : Port.tcp(number));
        }
      } catch (IllegalArgumentException e) {
        throw new MojoFailureException("port " + e.getMessage());
      }
    }
    return ports;
  }

  private String absoluteRepository(String spec) {
    // Plain paths are relative to the project, not to wherever mvn was started.
    return dev.apkimg.repo.RepositorySpec.parse(spec).relativeTo(project.getBasedir().toPath()).toString();
  }

  private String absoluteKey(String key) {
    String k = key.trim();
    return k.contains("://") ? k : project.getBasedir().toPath().resolve(k).normalize().toString();
  }

  /**
   * A {@code -D} or project property wins over the nested configuration, as in jib: nested
   * objects cannot carry Maven's {@code property=} binding themselves.
   */
  String property(String name, String configured) {
    String value = session.getUserProperties().getProperty(name);
    if (value == null) {
      value = session.getSystemProperties().getProperty(name);
    }
    if (value == null) {
      value = project.getProperties().getProperty(name);
    }
    return value != null ? value : configured;
  }

  /** A list property is comma-separated. */
  List<String> listProperty(String name, List<String> configured) {
    String value = property(name, null);
    if (value == null) {
      return configured == null ? List.of() : configured.stream().filter(s -> s != null && !s.isBlank())
          .map(String::trim).collect(Collectors.toList());
    }
    return Stream.of(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toList());
  }

  /** A map property is {@code KEY=VALUE,KEY=VALUE}. */
  Map<String, String> mapProperty(String name, Map<String, String> configured) throws MojoFailureException {
    String value = property(name, null);
    if (value == null) {
      Map<String, String> map = new LinkedHashMap<>();
      if (configured != null) {
        configured.forEach((k, v) -> map.put(k, v == null ? "" : v));
      }
      return map;
    }
    Map<String, String> map = new LinkedHashMap<>();
    for (String pair : value.split(",")) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new MojoFailureException("-D" + name + ": '" + pair + "' is not KEY=VALUE");
      }
      map.put(pair.substring(0, eq).trim(), pair.substring(eq + 1));
    }
    return map;
  }

  private void log(LogEvent event) {
    switch (event.getLevel()) {
      case ERROR -> getLog().error(event.getMessage());
      case WARN -> getLog().warn(event.getMessage());
      case LIFECYCLE -> getLog().info(event.getMessage());
      default -> getLog().debug(event.getMessage());
    }
  }

  private void writeMetadata(Path buildDir, JibContainer result, ImageReference reference, ImageFormat format,
      BaseImage.Platform rootfs, List<AppLayers.Layer> layers, String mainClass) throws IOException {
    Files.writeString(buildDir.resolve("apkimg-image.digest"), result.getDigest().toString(), StandardCharsets.UTF_8);
    ObjectNode json = JSON.createObjectNode();
    json.put("image", reference.toString());
    json.put("imageDigest", result.getDigest().toString());
    json.put("imageId", result.getImageId().toString());
    ArrayNode tags = json.putArray("tags");
    new java.util.TreeSet<>(result.getTags()).forEach(tags::add);
    json.put("imagePushed", result.isImagePushed());
    json.put("format", format.name());
    json.put("arch", rootfs.arch());
    json.put("mainClass", mainClass);
    ArrayNode layerArray = json.putArray("layers");
    layerArray.addObject().put("name", "apk root filesystem").put("digest", rootfs.layer().digest())
        .put("diffId", rootfs.layer().diffId()).put("size", rootfs.layer().size());
    for (AppLayers.Layer layer : layers) {
      layerArray.addObject().put("name", layer.name()).put("files", layer.files());
    }
    ArrayNode installed = json.putArray("packages");
    for (BuildResult.InstalledPackage p : rootfs.packages()) {
      installed.addObject().put("name", p.name()).put("version", p.version()).put("arch", p.arch());
    }
    describe(json);
    Files.writeString(buildDir.resolve("apkimg-image.json"), JSON.writeValueAsString(json) + "\n",
        StandardCharsets.UTF_8);
  }

  private static void deleteRecursively(Path dir) {
    // A leftover work folder under target/ is not worth failing a finished build for.
    dev.apkimg.TemporaryFiles.delete(dir);
  }
}
