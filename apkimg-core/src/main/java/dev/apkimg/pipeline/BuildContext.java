package dev.apkimg.pipeline;

import dev.apkimg.Arch;
import dev.apkimg.api.BuildEvent;
import dev.apkimg.api.BuildListener;
import dev.apkimg.api.BuildRequest;
import dev.apkimg.fetch.PackageCache;
import dev.apkimg.profile.ImageProfile;
import dev.apkimg.profile.ProfileLoader;
import dev.apkimg.profile.ProfileOverrides;
import dev.apkimg.repo.RepositoryClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The one object every step of a pipeline run reads and writes: the request, the loaded profile,
 * where it lives, the architectures, the work folder, and one {@link ArchBuild} per architecture.
 */
final class BuildContext {
  final BuildRequest request;
  final BuildListener listener;
  final RepositoryClient client;
  final ImageProfile profile;
  /**
   * The profile with the request's annotations and --vcs's vcs-url: what the image's annotations
   * come from. Apart from {@link #profile}, whose checksum lockfiles record: annotations do not
   * change what is installed.
   */
  final ImageProfile annotated;
  /** The profile file, or for a profile in memory a name in its folder: what messages name. */
  final Path profileFile;
  final Path baseDir;
  final Path cacheDir;
  /** The architectures to build: the requested one, else the profile's, else the host's. */
  final List<String> archs;
  final List<ArchBuild> builds = new ArrayList<>();
  /** The lockfile the packages are installed from, or null: resolve from the indexes. */
  final Path lockfile;
  /** SHA-256 (hex) of the profile file's bytes as loaded, for the provenance; null for a profile in memory. */
  final String profileSha256;
  /** The files the profile's includes read, for the provenance; empty without includes or a file. */
  final List<ProfileLoader.IncludedFile> profileIncludes;
  /** Where layers and images are written; whoever started the run deletes it. */
  Path work;
  /** Whether the build warned that its lockfile records no package sizes: once, not per architecture. */
  boolean warnedUnsizedLockfile;

  BuildContext(BuildRequest request, BuildListener listener, RepositoryClient client) {
    this.request = request;
    this.listener = listener;
    this.client = client;
    this.baseDir = request.baseDir();
    ImageProfile loaded;
    if (request.profileFile() != null) {
      this.profileFile = request.profileFile();
      ProfileLoader.Loaded withIncludes = ProfileLoader.loadWithIncludes(profileFile, request.filesRoots());
      loaded = withIncludes.profile();
      this.profileIncludes = withIncludes.includes();
      this.profileSha256 = sha256(profileFile);
    } else {
      this.profileFile = baseDir.resolve("(profile)");
      loaded = request.profile();
      this.profileSha256 = null;
      this.profileIncludes = List.of();
    }
    this.profile = ProfileOverrides.appendPackages(loaded, request.packagesAppended(), "appended package");
    this.annotated = ProfileOverrides.annotate(profile, request.annotations(), vcsUrl());
    this.cacheDir = request.cacheDir() != null ? request.cacheDir() : PackageCache.defaultRoot();
    this.archs = request.arch().isPresent() ? requestedArchs()
        : profile.archs().size() <= 1 ? List.of(chooseArch()) : profile.archs();
    this.lockfile = lockfileFor(request);
  }

  void emit(BuildEvent event) {
    listener.on(event);
  }

  void detail(String message) {
    listener.on(new BuildEvent.Detail(message));
  }

  /**
   * The layering this build makes: the request's strategy (a flag) over the profile's, with the
   * profile's budget when it names one; else one layer.
   */
  dev.apkimg.rootfs.Layering layering() {
    ImageProfile.Layering p = profile.layering();
    try {
      java.util.Optional<dev.apkimg.rootfs.Layering> fromProfile = p == null ? java.util.Optional.empty()
          : dev.apkimg.rootfs.Layering.ofProfile(p.strategy(), p.budget());
      if (request.layering().isPresent()) {
        dev.apkimg.rootfs.Layering r = request.layering().get();
        return new dev.apkimg.rootfs.Layering(r.strategy(), p != null && p.budget() != null ? p.budget() : r.budget());
      }
      return fromProfile.orElse(dev.apkimg.rootfs.Layering.single());
    } catch (IllegalArgumentException e) {
      // A profile made in memory is not validated as a file is: say what is wrong in one line.
      throw new dev.apkimg.ApkimgException(profileFile + ": layering: " + e.getMessage());
    }
  }

  /**
   * --vcs: the profile's git checkout as {@code URL@COMMIT} when the profile names no vcs-url;
   * none found is a warning, as the build goes on without the annotations.
   */
  private String vcsUrl() {
    if (!request.vcs() || (profile.vcsUrl() != null && !profile.vcsUrl().isBlank())) {
      return null;
    }
    if (request.profileFile() == null) {
      emit(new BuildEvent.Warning("a profile given in memory has no git checkout: no source or revision"
          + " annotations from one", null));
      return null;
    }
    dev.apkimg.profile.GitCheckout.Probe probe = dev.apkimg.profile.GitCheckout.probe(request.profileFile());
    if (probe.vcsUrl() == null) {
      emit(new BuildEvent.Warning(probe.problem() + ": no source or revision annotations from a git checkout", null));
    }
    return probe.vcsUrl();
  }

  /**
   * --arch as apko takes it: an architecture, several separated by commas, {@code host} (the one
   * apkimg runs on) or {@code all} (every one apkimg knows).
   */
  private List<String> requestedArchs() {
    String value = request.arch().get().strip();
    if (value.equals("all")) {
      return Arch.NAMES;
    }
    List<String> out = new ArrayList<>();
    for (String name : value.split(",", -1)) {
      String n = name.strip();
      String apk = n.equals("host") ? hostArch() : Arch.of(n).apkName();
      if (!out.contains(apk)) {
        out.add(apk);
      }
    }
    return List.copyOf(out);
  }

  private static String hostArch() {
    return Arch.host().map(Arch::apkName).orElseThrow(() -> new dev.apkimg.ApkimgException(
        "architecture 'host': apkimg does not know this machine's architecture '" + System.getProperty("os.arch")
            + "': name one (" + String.join(", ", Arch.NAMES) + ")"));
  }

  /** The one architecture a resolve or a single-arch build is for. */
  String chooseArch() {
    if (request.arch().isPresent()) {
      List<String> requested = requestedArchs();
      if (requested.size() != 1) {
        throw new dev.apkimg.ApkimgException("'" + request.arch().get() + "' names " + requested.size()
            + " architectures: this command reads one; name one architecture (or host)");
      }
      return requested.get(0);
    }
    if (profile.archs().size() == 1) {
      return profile.archs().get(0);
    }
    return Arch.host().map(Arch::apkName).orElse(System.getProperty("os.arch").toLowerCase(Locale.ROOT));
  }

  /** SHA-256 (hex) of a file's bytes, streamed. */
  static String sha256(Path file) {
    try (java.io.InputStream in = Files.newInputStream(file)) {
      java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
      return java.util.HexFormat.of().formatHex(digest.digest());
    } catch (java.io.IOException e) {
      throw new dev.apkimg.ApkimgException("cannot read " + file + ": " + e.getMessage(), e);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The lockfile to build from: the one named, else the one beside the profile file if allowed. */
  private static Path lockfileFor(BuildRequest request) {
    Path lockfile = request.lockfile().orElse(null);
    if (lockfile == null && request.useLockfile() && request.profileFile() != null
        && Files.isRegularFile(BuildRequest.defaultLockfile(request.profileFile()))) {
      lockfile = BuildRequest.defaultLockfile(request.profileFile());
    }
    return lockfile;
  }

  /** The image name: the request's, else the profile file's name with tag latest. */
  String reference() {
    if (request.imageReference().isPresent()) {
      return request.imageReference().get();
    }
    String name = request.profileFile() != null ? request.profileFile().getFileName().toString() : "apkimg-image";
    int dot = name.lastIndexOf('.');
    if (dot > 0) {
      name = name.substring(0, dot);
    }
    name = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "-");
    return name + ":latest";
  }
}
