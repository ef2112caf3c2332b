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
 * the lockfile is self-contained) and every package with its URL, {@code .apk} size, {@code Q1}
 * control checksum and data SHA-256. {@code profileChecksum} ties it to the profile's meaning, so
 * an edit is noticed.
 *
 * <p>{@code size} came later than the rest (still version 1): a lockfile without it is read (its
 * downloads are capped at {@link #UNSIZED_DOWNLOAD_LIMIT}), and an older apkimg, which ignores
 * fields it does not know, reads one with it as before.
 */
@JsonPropertyOrder({"lockfileVersion", "profileChecksum", "archs"})
public record Lockfile(int lockfileVersion, String profileChecksum, SortedMap<String, Arch> archs) {
  public static final int VERSION = 1;

  /**
   * The largest {@code .apk} a lockfile may pin: well above any distribution's package (Alpine's
   * largest are a few hundred MiB), yet a bound on what a pinned download may bring.
   */
  public static final long MAX_PACKAGE_SIZE = 4L << 30;

  /**
   * The most a pinned download may be where the lockfile records no size (written by an apkimg
   * before sizes were recorded): above Alpine's largest packages, below filling a disk.
   */
  public static final long UNSIZED_DOWNLOAD_LIMIT = 1L << 30;

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      // A size of 1.5 is refused, not read as 1.
      .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);

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

  /**
   * One package: where it is and what its bytes must be; {@code size} is the {@code .apk}'s
   * length in bytes (null in a lockfile written before sizes were recorded).
   */
  @JsonPropertyOrder({"name", "version", "url", "size", "checksum", "dataSha256"})
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Package(String name, String version, String url, String checksum, String dataSha256, Long size) {
    public Package(String name, String version, String url, String checksum, String dataSha256) {
      this(name, version, url, checksum, dataSha256, null);
    }
  }

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
      throw new ApkimgException("lockfile " + file + " is not valid: " + reason(e)
          + "; write it again with apkimg lock");
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
      if (p.size() != null && (p.size() < 1 || p.size() > MAX_PACKAGE_SIZE)) {
        throw new ApkimgException(what + "size " + p.size() + " is not a package size (1 to " + MAX_PACKAGE_SIZE
            + " bytes)" + redo);
      }
      if (p.url() == null) {
        throw new ApkimgException(what + "it has no url" + redo);
      }
    }
  }

  /** Jackson's complaint in one line, and where: the field (archs.x86_64.packages[0].size), else line and column. */
  private static String reason(IOException e) {
    String message = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage()
        : e.getMessage();
    // Jackson's advice on its own configuration means nothing to a user.
    String reason = message == null ? e.toString()
        : message.lines().findFirst().orElse("").replaceFirst(" \\(but could if coercion was enabled[^)]*\\)", "");
    if (e instanceof com.fasterxml.jackson.databind.JsonMappingException m && !m.getPath().isEmpty()) {
      StringBuilder path = new StringBuilder();
      for (com.fasterxml.jackson.databind.JsonMappingException.Reference r : m.getPath()) {
        if (r.getFieldName() != null) {
          path.append(path.isEmpty() ? "" : ".").append(r.getFieldName());
        } else if (r.getIndex() >= 0) {
          path.append('[').append(r.getIndex()).append(']');
        }
      }
      return reason + " (at " + path + ")";
    }
    if (e instanceof com.fasterxml.jackson.core.JsonProcessingException j && j.getLocation() != null
        && j.getLocation().getLineNr() > 0) {
      return reason + " (line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr() + ")";
    }
    return reason;
  }

  private static final java.util.regex.Pattern SHA256_HEX = java.util.regex.Pattern.compile("[0-9a-fA-F]{64}");
}
