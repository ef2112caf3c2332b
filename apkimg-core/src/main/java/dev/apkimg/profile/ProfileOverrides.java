package dev.apkimg.profile;

import dev.apkimg.ApkimgException;
import dev.apkimg.apk.Dependency;
import dev.apkimg.rootfs.AccountFiles;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What apko's {@code build} flags change in a loaded profile: {@code --package-append} adds
 * packages, {@code --annotations} adds or replaces annotations (the command line wins, as in
 * apko), {@code --vcs} sets {@code vcs-url} when the profile has none.
 */
public final class ProfileOverrides {
  /** apko's rule for an annotation key given on the command line. */
  private static final Pattern ANNOTATION_KEY = Pattern.compile("[a-z0-9.-]+");

  private ProfileOverrides() {}

  /** {@code profile} with {@code packages} appended to {@code contents.packages}; each checked as a dependency. */
  public static ImageProfile appendPackages(ImageProfile profile, List<String> packages, String origin) {
    if (packages.isEmpty()) {
      return profile;
    }
    for (String p : packages) {
      try {
        Dependency.parse(p);
      } catch (IllegalArgumentException e) {
        throw new ApkimgException(origin + ": " + e.getMessage());
      }
    }
    List<String> all = new ArrayList<>(profile.contents().packages());
    all.addAll(packages);
    return with(profile, "contents", with(profile.contents(), "packages", all));
  }

  /** {@code profile} with {@code annotations} over its own, and {@code vcsUrl} when it names none. */
  public static ImageProfile annotate(ImageProfile profile, Map<String, String> annotations, String vcsUrl) {
    ImageProfile out = profile;
    if (!annotations.isEmpty()) {
      Map<String, String> all = new LinkedHashMap<>(profile.annotations());
      all.putAll(annotations);
      out = with(out, "annotations", all);
    }
    if (vcsUrl != null && (profile.vcsUrl() == null || profile.vcsUrl().isBlank())) {
      out = with(out, "vcsUrl", vcsUrl);
    }
    return out;
  }

  /**
   * apko's {@code --annotations KEY:VALUE}, also written {@code KEY=VALUE}: the key is lower-case
   * letters, digits, '.' and '-' (apko's rule, so neither ':' nor '=' is in it), the value not
   * empty, and no key given twice.
   */
  public static Map<String, String> parseAnnotations(List<String> raw, String origin) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String s : raw) {
      int colon = s.indexOf(':');
      int equals = s.indexOf('=');
      int at = colon < 0 ? equals : equals < 0 ? colon : Math.min(colon, equals);
      if (at < 0) {
        throw new ApkimgException(origin + " '" + AccountFiles.printable(s)
            + "' is not KEY=VALUE (or apko's KEY:VALUE)");
      }
      String key = s.substring(0, at);
      String value = s.substring(at + 1);
      if (!ANNOTATION_KEY.matcher(key).matches()) {
        throw new ApkimgException(origin + " key '" + AccountFiles.printable(key)
            + "' may hold only a-z, 0-9, '.' and '-' (e.g. org.opencontainers.image.title)");
      }
      if (value.isEmpty()) {
        throw new ApkimgException(origin + " " + key + " has an empty value");
      }
      if (out.put(key, value) != null) {
        throw new ApkimgException(origin + " " + key + " is given more than once");
      }
    }
    return out;
  }

  /**
   * A copy of {@code record} with the component {@code name} replaced, made through the
   * canonical constructor so that components added later are carried over unchanged.
   */
  @SuppressWarnings("unchecked")
  static <R extends Record> R with(R record, String name, Object value) {
    RecordComponent[] components = record.getClass().getRecordComponents();
    Object[] args = new Object[components.length];
    Class<?>[] types = new Class<?>[components.length];
    boolean found = false;
    try {
      for (int i = 0; i < components.length; i++) {
        types[i] = components[i].getType();
        found |= components[i].getName().equals(name);
        args[i] = components[i].getName().equals(name) ? value : components[i].getAccessor().invoke(record);
      }
      if (!found) {
        throw new IllegalArgumentException(record.getClass().getSimpleName() + " has no component " + name);
      }
      Constructor<?> canonical = record.getClass().getDeclaredConstructor(types);
      return (R) canonical.newInstance(args);
    } catch (InvocationTargetException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }
}
