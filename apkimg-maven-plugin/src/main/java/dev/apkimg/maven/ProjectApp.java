package dev.apkimg.maven;

import dev.apkimg.sbom.ImageFacts;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import org.apache.maven.artifact.Artifact;
import org.apache.maven.model.Plugin;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.project.MavenProject;
import org.codehaus.plexus.util.xml.Xpp3Dom;

/** What the Maven project says about the application: its runtime jars and its main class. */
final class ProjectApp {
  private ProjectApp() {}

  /** The runtime dependencies in Maven's order, which is the classpath's. */
  static List<AppLayers.Jar> runtimeDependencies(MavenProject project, String goal) throws MojoFailureException {
    List<AppLayers.Jar> jars = new ArrayList<>();
    for (Artifact a : project.getArtifacts()) {
      if (!a.getArtifactHandler().isAddedToClasspath()
          || !(Artifact.SCOPE_COMPILE.equals(a.getScope()) || Artifact.SCOPE_RUNTIME.equals(a.getScope()))) {
        continue;
      }
      if (a.getFile() == null || !a.getFile().isFile()) {
        throw new MojoFailureException("dependency " + a + " has no jar file (" + a.getFile()
            + "): package it first, e.g. mvn package apkimg:" + goal);
      }
      jars.add(new AppLayers.Jar(a.getGroupId(), a.getFile().toPath(), a.isSnapshot(), new AppLayers.Coordinates(
          a.getArtifactId(), a.getVersion(), a.getType(), a.getClassifier(), a.getScope())));
    }
    return jars;
  }

  /**
   * The application as its SBOM names it: the project's coordinates, its packaging as the type, and
   * the folder of the image it lies in.
   */
  static ImageFacts.Application application(MavenProject project, String appRoot,
      List<ImageFacts.Component> dependencies) {
    return new ImageFacts.Application(new ImageFacts.Component(project.getGroupId(), project.getArtifactId(),
        project.getVersion(), project.getPackaging(), null, null, null, appRoot), dependencies);
  }

  /**
   * The configured main class, else the jar manifest's or maven-jar-plugin's Main-Class; needed
   * for the java entrypoint only ({@code null} with another entrypoint and none found).
   */
  static String mainClass(MavenProject project, ContainerSettings settings) throws MojoFailureException, IOException {
    String mainClass = settings.mainClass();
    if (mainClass == null) {
      mainClass = manifestMainClass(project);
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

  private static String manifestMainClass(MavenProject project) throws IOException {
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
}
