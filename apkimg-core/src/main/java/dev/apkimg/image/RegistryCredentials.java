package dev.apkimg.image;

import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.CredentialRetriever;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.frontend.CredentialRetrieverFactory;
import com.google.cloud.tools.jib.registry.credentials.CredentialRetrievalException;
import dev.apkimg.ApkimgException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where registry credentials come from, in this order: a login given explicitly (a front end's
 * {@code --registry-username}); docker's {@code config.json} ({@code $DOCKER_CONFIG} or {@code
 * ~/.docker}) with its {@code credHelpers}, {@code credsStore} and {@code auths}; podman's auth
 * file ({@code $REGISTRY_AUTH_FILE}, {@code $XDG_RUNTIME_DIR/containers/auth.json}, {@code
 * ~/.config/containers/auth.json}). No credentials at all is fine for open registries.
 *
 * <p>The password is kept only here and handed to jib's registry client; {@link #toString()}
 * and every message name the user and the source, never the password.
 */
public final class RegistryCredentials {
  private final String username;
  private final String password;
  private final String loginSource;
  private final Map<String, String> environment;
  private final Path home;

  private RegistryCredentials(String username, String password, String loginSource,
      Map<String, String> environment, Path home) {
    this.username = username;
    this.password = password;
    this.loginSource = loginSource;
    this.environment = Map.copyOf(environment);
    this.home = home;
  }

  /** Looks where docker and podman look, with this process's environment and home. */
  public static RegistryCredentials fromEnvironment() {
    return of(System.getenv(), Path.of(System.getProperty("user.home")));
  }

  /** Looks where docker and podman look, with the given environment and home directory. */
  public static RegistryCredentials of(Map<String, String> environment, Path home) {
    return new RegistryCredentials(null, null, null, environment, home);
  }

  /**
   * These credentials, with a login that comes first for every registry.
   *
   * @param source where the login came from, for messages, e.g. {@code --registry-username}
   */
  public RegistryCredentials withLogin(String username, String password, String source) {
    if (username == null || username.isEmpty() || password == null) {
      throw new IllegalArgumentException("a login needs a user name and a password");
    }
    return new RegistryCredentials(username, password, Objects.requireNonNull(source), environment, home);
  }

  /** A credential and where it was found. */
  record Found(Credential credential, String source) {
    @Override
    public String toString() {
      return "user '" + credential.getUsername() + "' from " + source;
    }
  }

  /** The files searched, in order, for messages. */
  List<Path> configFiles() {
    List<Path> files = new ArrayList<>();
    String dockerConfig = environment.get("DOCKER_CONFIG");
    files.add(dockerConfig != null && !dockerConfig.isEmpty()
        ? Path.of(dockerConfig, "config.json")
        : home.resolve(".docker/config.json"));
    String authFile = environment.get("REGISTRY_AUTH_FILE");
    if (authFile != null && !authFile.isEmpty()) {
      files.add(Path.of(authFile));
    }
    String runtimeDir = environment.get("XDG_RUNTIME_DIR");
    if (runtimeDir != null && !runtimeDir.isEmpty()) {
      files.add(Path.of(runtimeDir, "containers/auth.json"));
    }
    files.add(home.resolve(".config/containers/auth.json"));
    return files;
  }

  Optional<Found> find(ImageReference reference) {
    if (username != null) {
      return Optional.of(new Found(Credential.from(username, password), loginSource));
    }
    CredentialRetrieverFactory factory =
        CredentialRetrieverFactory.forImage(reference, RootfsImage::log, environment);
    for (Path file : configFiles()) {
      if (!Files.isRegularFile(file)) {
        continue;
      }
      CredentialRetriever retriever = factory.dockerConfig(file);
      try {
        Optional<Credential> credential = retriever.retrieve();
        if (credential.isPresent()) {
          return Optional.of(new Found(credential.get(), file.toString()));
        }
      } catch (CredentialRetrievalException e) {
        throw new ApkimgException("cannot read credentials for " + reference.getRegistry()
            + " from " + file + ": " + firstLine(e));
      }
    }
    return Optional.empty();
  }

  private static String firstLine(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        return t.getMessage().lines().findFirst().orElse("");
      }
    }
    return e.getClass().getSimpleName();
  }

  @Override
  public String toString() {
    return username != null ? "login of user '" + username + "' from " + loginSource
        : "credentials from " + configFiles();
  }
}
