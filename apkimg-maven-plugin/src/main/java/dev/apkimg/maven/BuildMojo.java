package dev.apkimg.maven;

import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import dev.apkimg.api.Outputs;
import dev.apkimg.image.RegistryCredentials;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Component;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.ResolutionScope;
import org.apache.maven.settings.Server;
import org.apache.maven.settings.crypto.DefaultSettingsDecryptionRequest;
import org.apache.maven.settings.crypto.SettingsDecrypter;
import org.apache.maven.settings.crypto.SettingsDecryptionResult;

/**
 * Pushes the image to a registry under its tag and every {@code <to><tags>}. Credentials, as the
 * CLI's: {@code <to><auth>}, else the settings.xml {@code <server>} whose id is the registry's
 * host (as jib does), else docker's {@code config.json} (with {@code credHelpers} and {@code
 * credsStore}) and podman's auth file, else none.
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

  /** A pushed image carries its SBOMs, found by registries and scanners as referrers. */
  @Override
  boolean attachSbomsByDefault() {
    return true;
  }

  @Override
  List<Target> targets(String image, List<String> tags, Supplier<Outputs.Builder> outputs, ConfigValues values)
      throws MojoFailureException {
    if (session.isOffline()) {
      throw new MojoFailureException("cannot push " + image + " while Maven is offline (-o): build online, "
          + "or use apkimg:buildTar");
    }
    List<String> references = new ArrayList<>();
    references.add(image);
    tags.forEach(tag -> references.add(withTag(image, tag)));
    return List.of(new Target(image, outputs.get().push(references).credentials(credentials(image, values))));
  }

  private RegistryCredentials credentials(String image, ConfigValues values) throws MojoFailureException {
    RegistryCredentials credentials = RegistryCredentials.fromEnvironment();
    String username = values.value("apkimg.to.auth.username", to.auth == null ? null : to.auth.username);
    String password = values.value("apkimg.to.auth.password", to.auth == null ? null : to.auth.password);
    if (username != null || password != null) {
      if (username == null || password == null) {
        throw new MojoFailureException("<to><auth> needs both <username> and <password>");
      }
      return credentials.withLogin(username, password, "<to><auth>");
    }
    String registry;
    try {
      registry = ImageReference.parse(image).getRegistry();
    } catch (InvalidImageReferenceException e) {
      throw new MojoFailureException("'" + image + "' is not a valid image reference (<to><image>)");
    }
    Server server = server(registry);
    if (server != null && server.getUsername() != null && !server.getUsername().isEmpty()) {
      getLog().info("apkimg: using the credentials of settings.xml server '" + server.getId() + "'");
      return credentials.withLogin(server.getUsername(), server.getPassword() == null ? "" : server.getPassword(),
          "settings.xml server '" + server.getId() + "'");
    }
    return credentials;
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
