package dev.apkimg.pipeline;

import dev.apkimg.ApkimgException;
import dev.apkimg.Arch;
import dev.apkimg.api.BuildEvent;
import dev.apkimg.image.ImageConfig;
import dev.apkimg.profile.ImageProfile;
import dev.apkimg.profile.ProfileLoader;
import dev.apkimg.rootfs.LayerResult;
import dev.apkimg.rootfs.LayerWriter;
import dev.apkimg.rootfs.OsRelease;
import dev.apkimg.rootfs.PackageSource;
import dev.apkimg.rootfs.RootfsSpec;
import dev.apkimg.rootfs.ScriptReport;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Step 4: the root filesystem layer apk would make from the fetched packages and the profile's
 * accounts, files and paths, and the image configuration the profile asks for.
 */
final class RootfsStep {
  private RootfsStep() {}

  static void run(BuildContext c, ArchBuild a) {
    long newest = 0;
    for (PackageSource s : a.sources) {
      newest = Math.max(newest, s.info().buildTime());
    }
    long timestamp = c.request.sourceDateEpoch().orElse(newest);
    try {
      ProfileMutations mutations = new ProfileMutations(c.profile, c.profileFile);
      OsRelease.Reader osRelease = OsRelease.reader();
      List<dev.apkimg.rootfs.RootfsMutation> all = new ArrayList<>(mutations.mutations());
      all.add(osRelease); // last: it reads what the packages and the profile made
      RootfsSpec spec = new RootfsSpec(a.arch, c.profile.world(), a.imageRepositories, a.keys, timestamp,
          all);
      // About what the layers' files come to: the installed sizes the indexes declare (0 if none does).
      long expected = a.sources.stream().mapToLong(s -> Math.max(0, s.info().installedSize())).sum();
      LayerWriter writer = new LayerWriter(a.keyring, c.cacheDir).reusingLayers(c.request.reuseLayers())
          .reportingTo((packages, total, bytes) -> c.emit(new BuildEvent.LayerWriting(a.arch, packages, total,
              bytes, expected)));
      LayerResult layer;
      if (c.layering().packages()) {
        a.packageLayers = writer.writeLayers(a.sources, spec, c.layering().budget(), c.work.resolve("layers-" + a.arch));
        layer = a.packageLayers.top();
        a.uncompressedSize = a.packageLayers.uncompressedSize();
        c.emit(new BuildEvent.LayerWritten(a.arch, a.packageLayers.entries(), a.packageLayers.size(),
            a.uncompressedSize));
      } else {
        layer = writer.write(a.sources, spec, c.work.resolve("layer-" + a.arch + ".tar.gz"));
        a.uncompressedSize = layer.uncompressedSize();
        c.emit(new BuildEvent.LayerWritten(a.arch, layer.entries(), layer.size(), layer.uncompressedSize()));
      }
      reportScripts(c, layer.scripts());
      a.osRelease = osRelease.osRelease().orElse(null);
      a.layer = layer;
      a.config = imageConfig(c.profile, a.arch, Instant.ofEpochSecond(timestamp), mutations.user())
          .withMetadata(c.profile.labels(), c.profile.volumes(), c.profile.ports(), c.profile.stopSignal(),
              history(c.profile, a.sources));
    } catch (IOException e) {
      throw new ApkimgException("cannot write the image layer: " + e.getMessage(), e);
    }
  }

  /** One event per package whose scripts were not wholly carried out; the lines themselves as details. */
  private static void reportScripts(BuildContext c, List<ScriptReport> scripts) {
    Map<String, List<ScriptReport>> byPackage = new LinkedHashMap<>();
    for (ScriptReport r : scripts) {
      byPackage.computeIfAbsent(r.script().substring(0, r.script().lastIndexOf('.')), k -> new ArrayList<>()).add(r);
    }
    byPackage.forEach((pkg, reports) -> {
      int done = reports.stream().mapToInt(r -> r.carriedOut().size()).sum();
      int notDone = reports.stream().mapToInt(r -> r.notCarriedOut().size()).sum();
      for (ScriptReport r : reports) {
        r.carriedOut().forEach(l -> c.detail(r.script() + ": carried out: " + l));
      }
      if (notDone > 0) {
        c.emit(new BuildEvent.ScriptLinesSkipped(pkg, notDone, done));
        for (ScriptReport r : reports) {
          r.notCarriedOut().forEach(l -> c.detail(r.script() + ": not carried out: " + l));
        }
      }
    });
  }

  /** The runtime part of the configuration: platform, entrypoint, cmd, environment, work dir, user. */
  static ImageConfig imageConfig(ImageProfile profile, String arch, Instant created, String user) {
    Arch a = Arch.find(arch).orElse(new Arch(arch, arch, null));
    List<String> entrypoint;
    List<String> cmd;
    try {
      entrypoint = profile.entrypoint() == null ? List.of()
          : profile.entrypoint().shellFragment() != null
          ? List.of("/bin/sh", "-c", profile.entrypoint().shellFragment())
          : ProfileLoader.splitWords(profile.entrypoint().effectiveCommand());
      cmd = ProfileLoader.splitWords(profile.cmd());
    } catch (IllegalArgumentException e) {
      throw new ApkimgException("profile: " + e.getMessage());
    }
    return new ImageConfig("linux", a.ociArchitecture(), a.variant(), entrypoint, cmd, profile.environment(),
        profile.workDir(), created).withUser(user);
  }

  /** The layer's history entry names the world and every installed package. */
  private static ImageConfig.History history(ImageProfile profile, List<PackageSource> sources) {
    return new ImageConfig.History("apkimg: apk add " + String.join(" ", profile.world()),
        sources.stream().map(s -> s.info().name() + "-" + s.info().version()).collect(Collectors.joining(" ")));
  }
}
