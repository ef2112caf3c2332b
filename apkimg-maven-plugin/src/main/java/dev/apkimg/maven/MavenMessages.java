package dev.apkimg.maven;

import dev.apkimg.ApkimgException;
import dev.apkimg.Hint;
import dev.apkimg.api.BuildEvent;

/**
 * The core's hints in a Maven user's words: the plugin parameter (and its property) that does
 * what the message asks for. The core names no setting; this is the only place that maps a
 * {@link Hint} to a parameter.
 */
final class MavenMessages {
  private MavenMessages() {}

  /** What follows a message for its hint: a parameter, or nothing where the message says it. */
  static String suffix(Hint hint) {
    if (hint == null) {
      return "";
    }
    return switch (hint) {
      case ALLOW_INSECURE_REGISTRY -> " (<allowInsecureRegistries>, -Dapkimg.allowInsecureRegistries=true)";
      case ALLOW_UNTRUSTED -> " (<allowUntrusted>, -Dapkimg.allowUntrusted=true)";
      case ADD_KEY -> " (<keyring>, -Dapkimg.keyring)";
      case REFRESH_LOCKFILE -> "; run 'apkimg lock PROFILE' to refresh it, or delete the lockfile beside the profile";
      case FILES_ROOT -> " (the plugin allows the profile's folder only)";
      case ONE_ARCH -> " (<arch>, or <container><format>OCI)";
      case OTHER_REPOSITORY -> " (<repositories>, -Dapkimg.repositories)";
      case NO_OUTPUT, CONNECT_TIMEOUT, READ_TIMEOUT -> "";
    };
  }

  /** An error's message with its hint rendered. */
  static String render(ApkimgException e) {
    return e.getMessage() + suffix(e.hint());
  }

  /**
   * The cause to hand to Maven, which prints every cause's message that differs from the ones
   * before it: {@code e} itself when it has no hint, else one with the rendered message, the same
   * stack trace (for {@code -e}) and the same cause.
   */
  static Throwable rendered(ApkimgException e) {
    String message = render(e);
    if (message.equals(e.getMessage())) {
      return e;
    }
    ApkimgException reworded = new ApkimgException(message, e.hint(), e.getCause());
    reworded.setStackTrace(e.getStackTrace());
    return reworded;
  }

  /** An event as the Maven log shows it. */
  static String line(BuildEvent event) {
    if (event instanceof BuildEvent.ScriptLinesSkipped) {
      return event.message() + "; mvn -X lists them";
    }
    if (event instanceof BuildEvent.Warning w && w.hint() == Hint.ALLOW_UNTRUSTED) {
      return w.message() + " because of <allowUntrusted>";
    }
    if (event instanceof BuildEvent.Warning w) {
      return w.message() + suffix(w.hint());
    }
    return event.message();
  }
}
