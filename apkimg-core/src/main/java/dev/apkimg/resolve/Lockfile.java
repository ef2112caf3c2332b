package dev.apkimg.resolve;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.apkimg.ApkimgException;
import dev.apkimg.apk.PackageNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a build installs, pinned: per architecture the repositories, the keys (their contents, so
 * the lockfile is self-contained) and every package with its URL, {@code Q1} control checksum and
 * data SHA-256. {@code profileChecksum} ties it to the profile's meaning, so an edit is noticed.
 */
@JsonPropertyOrder({"lockfileVersion", "profileChecksum", "archs"})
public record Lockfile(int lockfileVersion, String profileChecksum, SortedMap<String, Arch> archs) {
  public static final int VERSION = 1;

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  public Lockfile {
    archs = new TreeMap<>(archs);
  }

  /** One architecture's pinned packages, in install order. */
  @JsonPropertyOrder({"repositories", "keyring", "packages"})
  public record Arch(List<String> repositories, SortedMap<String, String> keyring, List<Package> packages) {
    public Arch {
      repositories = List.copyOf(repositories);
      keyring = new TreeMap<>(keyring);
      packages = List.copyOf(packages);
    }
  }

  /** One package: where it is and what its bytes must be. */
  @JsonPropertyOrder({"name", "version", "url", "checksum", "dataSha256"})
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Package(String name, String version, String url, String checksum, String dataSha256) {}

  public static Lockfile of(String profileChecksum, Map<String, Arch> archs) {
    return new Lockfile(VERSION, profileChecksum, new TreeMap<>(archs));
  }

  /** Writes atomically: a reader never sees half a lockfile. */
  public void write(Path file) {
    try {
      dev.apkimg.OutputFiles.write(file, JSON.writeValueAsBytes(this));
    } catch (IOException e) {
      throw new ApkimgException("cannot write lockfile " + file + ": " + e.getMessage(), e);
    }
  }

  public static Lockfile read(Path file) {
    Lockfile lock;
    try {
      lock = JSON.readValue(file.toFile(), Lockfile.class);
    } catch (NoSuchFileException | java.io.FileNotFoundException e) {
      throw new ApkimgException("lockfile " + file + " does not exist");
    } catch (IOException e) {
      String reason = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
      throw new ApkimgException("lockfile " + file + " is not valid: " + reason);
    }
    if (lock == null || lock.lockfileVersion() != VERSION || lock.archs() == null) {
      throw new ApkimgException("lockfile " + file + " is not a version " + VERSION
          + " apkimg lockfile; write it again with apkimg lock");
    }
    lock.archs().forEach((arch, pinned) -> validate(file, arch, pinned));
    return lock;
  }

  /**
   * A lockfile is outside input too: its names and versions become file names and URLs, its
   * checksums cache paths. Each is checked against apk's grammar, naming the field and package.
   */
  private static void validate(Path file, String arch, Arch pinned) {
    String redo = "; write it again with apkimg lock";
    if (!PackageNames.isValidArch(arch) || pinned == null || pinned.packages() == null) {
      throw new ApkimgException("lockfile " + file + ": architecture " + PackageNames.quote(arch)
          + " is not valid" + redo);
    }
    for (Package p : pinned.packages()) {
      if (p == null || !PackageNames.isValidName(p.name())) {
        throw new ApkimgException("lockfile " + file + ": name " + PackageNames.quote(p == null ? null : p.name())
            + " is not a valid apk package name" + redo);
      }
      String what = "lockfile " + file + ": package " + p.name() + ": ";
      if (!PackageNames.isValidVersion(p.version())) {
        throw new ApkimgException(what + "version " + PackageNames.quote(p.version()) + " is not a valid apk version"
            + redo);
      }
      if (!PackageNames.isValidChecksum(p.checksum())) {
        throw new ApkimgException(what + "checksum " + PackageNames.quote(p.checksum()) + " is not a Q1 checksum"
            + redo);
      }
      if (p.dataSha256() != null && !SHA256_HEX.matcher(p.dataSha256()).matches()) {
        throw new ApkimgException(what + "dataSha256 " + PackageNames.quote(p.dataSha256())
            + " is not a SHA-256 in hex" + redo);
      }
      if (p.url() == null) {
        throw new ApkimgException(what + "it has no url" + redo);
      }
    }
  }

  private static final java.util.regex.Pattern SHA256_HEX = java.util.regex.Pattern.compile("[0-9a-fA-F]{64}");
}
