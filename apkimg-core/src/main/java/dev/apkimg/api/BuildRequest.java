package dev.apkimg.api;

import dev.apkimg.ApkimgException;
import dev.apkimg.profile.ImageProfile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One build: the profile (a file, or an {@link ImageProfile} in memory with the folder its
 * relative paths are relative to), the {@link Outputs}, and the overrides a front end passes
 * (command-line flags, Maven configuration). Built with {@link #builder(Path)} or
 * {@link #builder(ImageProfile, Path)}.
 */
public final class BuildRequest {
  private final Path profile;
  private final ImageProfile inMemory;
  private final Path baseDir;
  private final Outputs outputs;
  private final String arch;
  private final List<String> repositories;
  private final List<String> extraKeys;
  private final boolean allowUntrusted;
  private final Path cacheDir;
  private final String imageReference;
  private final int parallelism;
  private final Path lockfile;
  private final boolean useLockfile;
  private final Long sourceDateEpoch;
  private final List<Path> filesRoots;
  private final dev.apkimg.rootfs.Layering layering;
  private final boolean reuseLayers;
  // apko's build flags that change the profile: -p, --annotations, --vcs
  private final List<String> packagesAppended;
  private final java.util.Map<String, String> annotations;
  private final boolean vcs;

  /**
   * The latest {@link #sourceDateEpoch()}: 9999-12-31T23:59:59Z. Image configs carry the time
   * as RFC 3339, whose years have four digits; skopeo, docker and containerd (Go) refuse more.
   */
  public static final long MAX_SOURCE_DATE_EPOCH = 253402300799L;

  private BuildRequest(Builder b) {
    this.profile = b.profile;
    this.inMemory = b.inMemory;
    this.baseDir = b.baseDir;
    this.outputs = b.outputs;
    this.arch = b.arch;
    this.repositories = List.copyOf(b.repositories);
    this.extraKeys = List.copyOf(b.extraKeys);
    this.allowUntrusted = b.allowUntrusted;
    this.cacheDir = b.cacheDir;
    this.imageReference = b.imageReference;
    this.parallelism = b.parallelism;
    this.lockfile = b.lockfile;
    this.useLockfile = b.useLockfile;
    this.sourceDateEpoch = b.sourceDateEpoch;
    this.filesRoots = List.copyOf(b.filesRoots);
    this.layering = b.layering;
    this.reuseLayers = b.reuseLayers;
    this.packagesAppended = List.copyOf(b.packagesAppended);
    this.annotations = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(b.annotations));
    this.vcs = b.vcs;
  }

  /** Packages installed besides the profile's (apko's {@code --package-append}). */
  public List<String> packagesAppended() {
    return packagesAppended;
  }

  /** Manifest and index annotations over the profile's (apko's {@code --annotations}). */
  public java.util.Map<String, String> annotations() {
    return annotations;
  }

  /**
   * Whether the source and revision annotations come from the profile's git checkout when the
   * profile has no {@code vcs-url} (apko's {@code --vcs}).
   */
  public boolean vcs() {
    return vcs;
  }

  /**
   * Whether a one-layer root filesystem with the same planned content as one in the cache is
   * taken from there (the default) rather than compressed again.
   */
  public boolean reuseLayers() {
    return reuseLayers;
  }

  /** The layering that overrides the profile's; empty: the profile's, else one layer. */
  public Optional<dev.apkimg.rootfs.Layering> layering() {
    return Optional.ofNullable(layering);
  }

  /**
   * Folders the profile's {@code files} may copy from besides the folder of the profile that
   * names each; empty by default (a profile cannot widen this itself).
   */
  public List<Path> filesRoots() {
    return filesRoots;
  }

  /** Where the image goes; {@link Outputs#none()} for requests that only resolve or lock. */
  public Outputs outputs() {
    return outputs;
  }

  /**
   * The time (epoch seconds) every entry is clamped to and the image is created at; empty: the
   * newest package build date.
   */
  public java.util.OptionalLong sourceDateEpoch() {
    return sourceDateEpoch == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(sourceDateEpoch);
  }

  /** A lockfile to build from; empty: the one beside the profile, if any and if allowed. */
  public Optional<Path> lockfile() {
    return Optional.ofNullable(lockfile);
  }

  /** Whether a lockfile beside the profile is used when present (default true). */
  public boolean useLockfile() {
    return useLockfile;
  }

  /** A request for the profile in {@code file}; its relative paths are relative to its folder. */
  public static Builder builder(Path file) {
    return new Builder(Objects.requireNonNull(file, "file"), null, null);
  }

  /**
   * A request for a profile made in memory (no file is written); its relative paths (files,
   * keys, repositories) are relative to {@code baseDir}, as if it were a file there.
   */
  public static Builder builder(ImageProfile profile, Path baseDir) {
    return new Builder(null, Objects.requireNonNull(profile, "profile"), Objects.requireNonNull(baseDir, "baseDir"));
  }

  /** The profile file; null for a profile in memory. */
  public Path profileFile() {
    return profile;
  }

  /** The profile given in memory; null for a profile file. */
  public ImageProfile profile() {
    return inMemory;
  }

  /** The folder the profile's relative paths are relative to. */
  public Path baseDir() {
    return profile != null ? profile.toAbsolutePath().getParent() : baseDir.toAbsolutePath();
  }

  /** Where {@code lock} puts a profile's lockfile by default: beside it, {@code NAME.lock.json}. */
  public static Path defaultLockfile(Path profileFile) {
    String name = profileFile.getFileName().toString();
    int dot = name.lastIndexOf('.');
    String base = dot > 0 ? name.substring(0, dot) : name;
    return profileFile.resolveSibling(base + ".lock.json");
  }

  /** The architecture to build; empty: the profile's. */
  public Optional<String> arch() {
    return Optional.ofNullable(arch);
  }

  /**
   * When not empty, the build reads these instead of the profile's repositories and
   * build_repositories; build-only mirrors: the image's etc/apk/repositories still names the profile's.
   */
  public List<String> repositories() {
    return repositories;
  }

  /** Keys trusted in addition to the profile's keyring. */
  public List<String> extraKeys() {
    return extraKeys;
  }

  public boolean allowUntrusted() {
    return allowUntrusted;
  }

  public Path cacheDir() {
    return cacheDir;
  }

  /** The image name recorded in the archive; empty: the profile's file name. */
  public Optional<String> imageReference() {
    return Optional.ofNullable(imageReference);
  }

  public int parallelism() {
    return parallelism;
  }

  public static final class Builder {
    private final Path profile;
    private final ImageProfile inMemory;
    private final Path baseDir;
    private Outputs outputs = Outputs.none();
    private String arch;
    private final List<String> repositories = new ArrayList<>();
    private final List<String> extraKeys = new ArrayList<>();
    private boolean allowUntrusted;
    private Path cacheDir;
    private String imageReference;
    private int parallelism = 6;
    private Path lockfile;
    private boolean useLockfile = true;

    /** Where the image goes: archive, pushes, daemon, metadata and digest files. */
    public Builder outputs(Outputs outputs) {
      this.outputs = Objects.requireNonNull(outputs, "outputs");
      return this;
    }

    private Long sourceDateEpoch;

    /** {@code SOURCE_DATE_EPOCH}: see {@link BuildRequest#sourceDateEpoch()}; null for the default. */
    public Builder sourceDateEpoch(Long epochSeconds) {
      return sourceDateEpoch(epochSeconds == null ? null : epochSeconds.toString(), "the source date epoch");
    }

    /**
     * {@code SOURCE_DATE_EPOCH} as written by the user in {@code origin} (a flag or a variable,
     * named in the error): seconds since 1970 from 0 to {@link #MAX_SOURCE_DATE_EPOCH}; null or
     * blank for the default.
     */
    public Builder sourceDateEpoch(String seconds, String origin) {
      if (seconds == null || seconds.isBlank()) {
        this.sourceDateEpoch = null;
        return this;
      }
      String s = seconds.strip();
      if (!s.matches("[0-9]{1,12}") || Long.parseLong(s) > MAX_SOURCE_DATE_EPOCH) {
        throw new ApkimgException(origin + " must be seconds since 1970 from 0 to " + MAX_SOURCE_DATE_EPOCH
            + " (9999-12-31T23:59:59Z), not '" + dev.apkimg.rootfs.AccountFiles.printable(s) + "'");
      }
      this.sourceDateEpoch = Long.parseLong(s);
      return this;
    }

    private final List<Path> filesRoots = new ArrayList<>();
    private dev.apkimg.rootfs.Layering layering;
    private boolean reuseLayers = true;
    private final List<String> packagesAppended = new ArrayList<>();
    private final java.util.Map<String, String> annotations = new java.util.LinkedHashMap<>();
    private boolean vcs;

    /** See {@link BuildRequest#packagesAppended()}. */
    public Builder packagesAppended(List<String> packages) {
      this.packagesAppended.addAll(packages);
      return this;
    }

    /** See {@link BuildRequest#annotations()}. */
    public Builder annotations(java.util.Map<String, String> annotations) {
      this.annotations.putAll(annotations);
      return this;
    }

    /** See {@link BuildRequest#vcs()}; default false. */
    public Builder vcs(boolean vcs) {
      this.vcs = vcs;
      return this;
    }

    /** See {@link BuildRequest#reuseLayers()}; default true. */
    public Builder reuseLayers(boolean reuse) {
      this.reuseLayers = reuse;
      return this;
    }

    /** See {@link BuildRequest#layering()}; null for the profile's. */
    public Builder layering(dev.apkimg.rootfs.Layering layering) {
      this.layering = layering;
      return this;
    }

    /**
     * The layering strategy as written by the user in {@code origin} (a flag or a parameter,
     * named in the error): {@code packages} or {@code single}; null or blank for the profile's.
     * A budget the profile sets is kept; {@code packages} without one takes the default.
     */
    public Builder layering(String strategy, String origin) {
      if (strategy == null || strategy.isBlank()) {
        this.layering = null;
        return this;
      }
      try {
        this.layering = dev.apkimg.rootfs.Layering.of(strategy, null);
      } catch (IllegalArgumentException e) {
        throw new ApkimgException(origin + ": " + e.getMessage());
      }
      return this;
    }

    /** See {@link BuildRequest#filesRoots()}. */
    public Builder filesRoots(List<Path> roots) {
      this.filesRoots.addAll(roots);
      return this;
    }

    public Builder lockfile(Path lockfile) {
      this.lockfile = lockfile;
      return this;
    }

    public Builder useLockfile(boolean use) {
      this.useLockfile = use;
      return this;
    }

    private Builder(Path profile, ImageProfile inMemory, Path baseDir) {
      this.profile = profile;
      this.inMemory = inMemory;
      this.baseDir = baseDir;
    }

    public Builder arch(String arch) {
      this.arch = arch;
      return this;
    }

    public Builder repositories(List<String> repositories) {
      this.repositories.addAll(repositories);
      return this;
    }

    public Builder extraKeys(List<String> keys) {
      this.extraKeys.addAll(keys);
      return this;
    }

    public Builder allowUntrusted(boolean allow) {
      this.allowUntrusted = allow;
      return this;
    }

    public Builder cacheDir(Path cacheDir) {
      this.cacheDir = cacheDir;
      return this;
    }

    public Builder imageReference(String reference) {
      this.imageReference = reference;
      return this;
    }

    /** Parallel downloads. */
    public Builder parallelism(int parallelism) {
      this.parallelism = parallelism;
      return this;
    }

    public BuildRequest build() {
      return new BuildRequest(this);
    }
  }
}
