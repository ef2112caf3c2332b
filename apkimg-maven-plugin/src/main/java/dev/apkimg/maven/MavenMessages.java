package dev.apkimg.maven;

import java.util.Map;

/**
 * The core's messages in a Maven user's words: where the core names a command line option, the
 * plugin's parameter and property are named instead.
 */
final class MavenMessages {
  private static final Map<String, String> OPTIONS = Map.of(
      "--allow-insecure-registry", "<allowInsecureRegistries> (-Dapkimg.allowInsecureRegistries=true)",
      "pass -k KEYFILE", "add it to <keyring> (-Dapkimg.keyring)");

  private MavenMessages() {}

  static String render(String message) {
    if (message == null) {
      return null;
    }
    String rendered = message;
    for (Map.Entry<String, String> option : OPTIONS.entrySet()) {
      rendered = rendered.replace(option.getKey(), option.getValue());
    }
    return rendered;
  }
}
