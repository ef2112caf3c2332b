package dev.apkimg.profile;

import static dev.apkimg.profile.ItemOrigin.check;

import dev.apkimg.apk.Dependency;
import dev.apkimg.rootfs.AccountFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Checks a bound (and merged) profile for what its types cannot say: required items, ids and
 * names that etc/passwd can hold, existing sources, known archs, ports and volumes. Every
 * message points at the file and line that wrote the item.
 */
final class ProfileValidator {
  private ProfileValidator() {}

  static void validate(Path file, ImageProfile p, Map<String, List<ItemOrigin>> origins) {
    AccountsValidator.validate(file, p.accounts(), origins);
    validatePaths(p.paths(), origins);
    if (p.layering() != null) {
      try {
        dev.apkimg.rootfs.Layering.ofProfile(p.layering().strategy(), p.layering().budget());
      } catch (IllegalArgumentException e) {
        throw new ProfileException(file + ": layering: " + e.getMessage());
      }
    }
    Path dir = file.toAbsolutePath().normalize().getParent();
    for (int i = 0; i < p.files().size(); i++) {
      ImageProfile.FileCopy f = p.files().get(i);
      ItemOrigin o = origins.get("files").get(i);
      if (f.source() == null || f.source().isBlank()) {
        throw new ProfileException(o.where(null) + "files: each item needs a source (a host file or directory)");
      }
      if (f.target() == null || f.target().isBlank()) {
        throw new ProfileException(o.where(null) + "files: each item needs a target (a path in the image)");
      }
      if (f.uid() != null) {
        check(o, "uid", "files[" + o.index() + "].uid", AccountFiles.idProblem(f.uid()));
      }
      if (f.gid() != null) {
        check(o, "gid", "files[" + o.index() + "].gid", AccountFiles.idProblem(f.gid()));
      }
      if (!Files.exists(dir.resolve(f.source()))) {
        throw new ProfileException(o.where("source") + "files: source " + dir.resolve(f.source()).normalize()
            + " does not exist");
      }
    }
    if (p.accounts().runAs() != null && p.accounts().runAs().isBlank()) {
      throw new ProfileException(file + ": accounts.run-as is empty: name a user or uid");
    }
    if (p.contents().packages().isEmpty()) {
      throw new ProfileException(file + ": contents.packages is empty: name at least one package");
    }
    for (String pkg : p.contents().packages()) {
      try {
        Dependency.parse(pkg);
      } catch (IllegalArgumentException e) {
        throw new ProfileException(file + ": contents.packages: " + e.getMessage());
      }
    }
    for (String arch : p.archs()) {
      if (!ProfileLoader.ARCHS.contains(arch)) {
        throw new ProfileException(file + ": archs: unknown architecture '" + arch + "' (known: "
            + String.join(", ", ProfileLoader.ARCHS) + ")");
      }
    }
    validateImageSettings(file, p);
    validateRuntimeKeyring(file, p.contents().runtimeKeyring());
    validateCertificates(file, p.certificates(), origins);
    validateServiceBundle(file, p.entrypoint());
  }

  // ---------------------------------------------------------------- certificates, entrypoint.type (apko)

  private static void validateCertificates(Path file, ImageProfile.Certificates c, Map<String, List<ItemOrigin>> origins) {
    if (c == null) {
      return;
    }
    for (String provider : c.providers()) {
      if (provider == null || provider.isBlank() || !dev.apkimg.apk.PackageNames.isValidName(provider)) {
        throw new ProfileException(file + ": certificates.providers: '" + AccountFiles.printable(String.valueOf(provider))
            + "' is not a package name");
      }
    }
    java.util.Map<String, ItemOrigin> seen = new java.util.HashMap<>();
    for (int i = 0; i < c.additional().size(); i++) {
      ImageProfile.AdditionalCertificate a = c.additional().get(i);
      List<ItemOrigin> os = origins.get("certificates.additional");
      ItemOrigin o = os != null && i < os.size() ? os.get(i) : new ItemOrigin(file, "", "certificates.additional", i);
      String key = "certificates.additional[" + o.index() + "]";
      if (a.name() == null || a.name().isBlank()) {
        throw new ProfileException(o.where(null) + key + ": each certificate needs a name");
      }
      if (!dev.apkimg.rootfs.CaCertificates.NAME.matcher(a.name()).matches()) {
        throw new ProfileException(o.where("name") + key + ".name: '" + AccountFiles.printable(a.name())
            + "' is not a valid certificate name (letters, digits, '_', '-', '.', not starting with '.')");
      }
      ItemOrigin.unique(seen, a.name(), o, "name", "certificate name '" + a.name() + "'");
      if ((a.content() == null) == (a.file() == null)) {
        throw new ProfileException(o.where("name") + key + ": certificate '" + a.name() + "' needs either content"
            + " (the PEM text) or file (a PEM file beside the profile), not " + (a.file() == null ? "neither" : "both"));
      }
      try {
        dev.apkimg.rootfs.CaCertificates.parse(a.name(), a.pem(file.toAbsolutePath().normalize().getParent()));
      } catch (IllegalArgumentException e) {
        throw new ProfileException(o.where(a.file() == null ? "content" : "file") + key + ": certificate '" + a.name() + "' is refused: "
            + e.getMessage());
      }
    }
  }

  private static void validateServiceBundle(Path file, ImageProfile.Entrypoint e) {
    if (e == null) {
      return;
    }
    if (e.type() != null && !e.serviceBundle()) {
      throw new ProfileException(file + ": entrypoint.type: '" + AccountFiles.printable(e.type())
          + "' is not supported (apko's only type, and apkimg's, is " + ImageProfile.Entrypoint.SERVICE_BUNDLE + ")");
    }
    if (e.serviceBundle() && (e.command() != null || e.shellFragment() != null)) {
      throw new ProfileException(file + ": entrypoint: type " + ImageProfile.Entrypoint.SERVICE_BUNDLE + " runs "
          + ImageProfile.Entrypoint.SERVICE_BUNDLE_COMMAND + "; leave command and shell-fragment out");
    }
    if (e.serviceBundle() && e.services().isEmpty()) {
      throw new ProfileException(file + ": entrypoint: type " + ImageProfile.Entrypoint.SERVICE_BUNDLE
          + " needs services (NAME: COMMAND), at least one");
    }
    for (Map.Entry<String, String> s : e.services().entrySet()) {
      if (!dev.apkimg.rootfs.SupervisionTree.NAME.matcher(s.getKey()).matches()) {
        throw new ProfileException(file + ": entrypoint.services: '" + AccountFiles.printable(s.getKey())
            + "' is not a valid service name (letters, digits, '_', '-', '.', not starting with '.'): it names"
            + " the folder /sv/NAME");
      }
      if (s.getValue() == null || s.getValue().isBlank()) {
        throw new ProfileException(file + ": entrypoint.services." + s.getKey() + ": the command is empty");
      }
      if (s.getValue().chars().anyMatch(ch -> ch < 0x20 && ch != '\n' && ch != '\t' || ch == 0x7f)) {
        throw new ProfileException(file + ": entrypoint.services." + s.getKey() + ": the command has a control character");
      }
    }
  }

  /** apko's rule for a key file name under etc/apk/keys: no slash, no leading dot. */
  private static final java.util.regex.Pattern KEY_NAME = java.util.regex.Pattern.compile("[a-zA-Z0-9_-]+[a-zA-Z0-9_.-]*");

  /** {@code contents.runtime_keyring}: named, distinct, each one PEM RSA public key (apko's rules). */
  private static void validateRuntimeKeyring(Path file, List<ImageProfile.RuntimeKey> keys) {
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (ImageProfile.RuntimeKey key : keys) {
      String what = file + ": contents.runtime_keyring";
      if (key.name() == null || key.name().isBlank()) {
        throw new ProfileException(what + ": each key needs a name (its file name in etc/apk/keys)");
      }
      if (!KEY_NAME.matcher(key.name()).matches()) {
        throw new ProfileException(what + ": name '" + AccountFiles.printable(key.name())
            + "' is not a file name (letters, digits, '_', '-', '.'; not starting with '.')");
      }
      if (!seen.add(key.name())) {
        throw new ProfileException(what + ": key '" + key.name() + "' is named twice");
      }
      if (key.content() == null || key.content().isBlank()) {
        throw new ProfileException(what + ": key '" + key.name() + "' has no content (the PEM public key, inline)");
      }
      try {
        dev.apkimg.repo.Keyring.parsePem(key.content().getBytes(java.nio.charset.StandardCharsets.US_ASCII),
            "'" + key.name() + "'");
      } catch (dev.apkimg.ApkimgException e) {
        throw new ProfileException(what + ": " + e.getMessage());
      }
    }
  }

  private static void validateImageSettings(Path file, ImageProfile p) {
    for (String volume : p.volumes()) {
      if (!volume.startsWith("/")) {
        throw new ProfileException(file + ": volumes: '" + volume + "' is not an absolute path");
      }
    }
    for (String port : p.ports()) {
      try {
        dev.apkimg.image.Ports.expand(port);
      } catch (IllegalArgumentException e) {
        throw new ProfileException(file + ": ports: " + e.getMessage());
      }
    }
    if (p.stopSignal() != null && p.stopSignal().isBlank()) {
      throw new ProfileException(file + ": stop-signal is empty");
    }
    if (p.entrypoint() != null && p.entrypoint().command() != null && p.entrypoint().shellFragment() != null) {
      throw new ProfileException(file + ": entrypoint: give command or shell-fragment, not both");
    }
  }

  private static void validatePaths(List<ImageProfile.PathMutation> paths, Map<String, List<ItemOrigin>> origins) {
    for (int i = 0; i < paths.size(); i++) {
      ImageProfile.PathMutation m = paths.get(i);
      ItemOrigin o = origins.get("paths").get(i);
      if (m.type() == null || !ProfileLoader.PATH_TYPES.contains(m.type())) {
        throw new ProfileException(o.where("type") + "paths: type must be one of " + String.join(", ", ProfileLoader.PATH_TYPES)
            + (m.type() == null ? "" : ", not '" + m.type() + "'"));
      }
      if (m.path() == null || m.path().isBlank()) {
        throw new ProfileException(o.where(null) + "paths: each item needs a path");
      }
      if (m.uid() != null) {
        check(o, "uid", "paths[" + o.index() + "].uid", AccountFiles.idProblem(m.uid()));
      }
      if (m.gid() != null) {
        check(o, "gid", "paths[" + o.index() + "].gid", AccountFiles.idProblem(m.gid()));
      }
      if ((m.type().equals("hardlink") || m.type().equals("symlink")) && (m.source() == null || m.source().isBlank())) {
        throw new ProfileException(o.where(null) + "paths: a " + m.type() + " needs a source (what it points to)");
      }
    }
  }
}
