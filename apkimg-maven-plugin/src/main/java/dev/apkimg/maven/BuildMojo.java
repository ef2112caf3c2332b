package dev.apkimg.maven;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.RegistryImage;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Component;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.ResolutionScope;
import org.apache.maven.settings.Server;
import org.apache.maven.settings.crypto.DefaultSettingsDecryptionRequest;
import org.apache.maven.settings.crypto.SettingsDecrypter;
import org.apache.maven.settings.crypto.SettingsDecryptionResult;

/**
 * Pushes the image to a registry. Credentials: {@code <to><auth>}, else the settings.xml
 * {@code <server>} whose id is the registry's host (as jib does), else none.
 */
@Mojo(name = "build", requiresDependencyResolution = ResolutionScope.RUNTIME, threadSafe = true)
public class BuildMojo extends AbstractApkimgMojo {
  @Component
  SettingsDecrypter settingsDecrypter;

  @Override
  String goal() {
    return "build";
  }

  @Override
  String defaultImage() {
    return null;
  }

  @Override
  Containerizer containerizer(ImageReference reference) throws MojoFailureException {
    if (session.isOffline()) {
      throw new MojoFailureException("cannot push " + reference + " while Maven is offline (-o): build online, "
          + "or use apkimg:buildTar");
    }
    RegistryImage target = RegistryImage.named(reference);
    String username = property("apkimg.to.auth.username", to.auth == null ? null : to.auth.username);
    String password = property("apkimg.to.auth.password", to.auth == null ? null : to.auth.password);
    if (username != null || password != null) {
      if (username == null || password == null) {
        throw new MojoFailureException("<to><auth> needs both <username> and <password>");
      }
      target.addCredential(username, password);
    } else {
      Server server = server(reference.getRegistry());
      if (server != null && server.getUsername() != null) {
        getLog().info("apkimg: using the credentials of settings.xml server '" + server.getId() + "'");
        target.addCredential(server.getUsername(), server.getPassword() == null ? "" : server.getPassword());
      }
    }
    return Containerizer.to(target);
  }

  /** The settings.xml server for a registry host, its password decrypted. */
  private Server server(String registry) throws MojoFailureException {
    Server server = session.getSettings().getServer(registry);
    // jib spells Docker Hub registry-1.docker.io; people write docker.io or index.docker.io.
    if (server == null && "registry-1.docker.io".equals(registry)) {
      server = session.getSettings().getServer("docker.io");
    }
    if (server == null) {
      return null;
    }
    SettingsDecryptionResult result = settingsDecrypter.decrypt(new DefaultSettingsDecryptionRequest(server));
    if (!result.getProblems().isEmpty()) {
      throw new MojoFailureException("settings.xml server '" + server.getId() + "': "
          + result.getProblems().get(0).getMessage());
    }
    return result.getServer();
  }
}
