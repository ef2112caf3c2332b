package dev.apkimg.maven;

import dev.apkimg.ApkimgException;
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

  /**
   * The cause to hand to Maven, which prints every cause's message that differs from the ones
   * before it: {@code e} itself when its message needs no rewording, else one with the reworded
   * message, the same stack trace (for {@code -e}) and the same cause.
   */
  static Throwable rendered(Exception e) {
    String message = render(e.getMessage());
    if (message == null || message.equals(e.getMessage())) {
      return e;
    }
    ApkimgException reworded = new ApkimgException(message, e.getCause());
    reworded.setStackTrace(e.getStackTrace());
    return reworded;
  }

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
