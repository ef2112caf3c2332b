package dev.apkimg.maven;

import java.util.LinkedHashSet;
import java.util.Set;

/** {@code <to>}: the image to write, as jib-maven-plugin names it. */
public class ToConfiguration {
  /** The image reference, e.g. {@code registry.example.com/team/app:1.0}. */
  String image;

  /** More tags for the same image. */
  Set<String> tags = new LinkedHashSet<>();

  /** Registry credentials; when absent, settings.xml's server with the registry's host as id. */
  AuthConfiguration auth = new AuthConfiguration();

  /** {@code <auth>}: a registry user name and password. */
  public static class AuthConfiguration {
    String username;
    String password;
  }
}
