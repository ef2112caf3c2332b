package dev.apkimg.pipeline;

import dev.apkimg.fetch.PackageFetcher;
import dev.apkimg.image.ImageConfig;
import dev.apkimg.repo.Keyring;
import dev.apkimg.repo.Repository;
import dev.apkimg.resolve.Resolution;
import dev.apkimg.rootfs.LayerResult;
import dev.apkimg.rootfs.PackageSource;
import java.util.List;
import java.util.Map;

/** One architecture's state as the steps fill it in, in order. */
final class ArchBuild {
  final String arch;
  // resolve (or pin)
  List<Repository> repositories;
  Keyring keyring;
  Resolution resolution;
  /** Each index read, with the SHA-256 of its bytes (for the provenance); empty for a lockfile build. */
  List<dev.apkimg.sbom.ProvenanceFacts.Index> indexes = List.of();
  /** With a lockfile: SHA-256 (hex) of its bytes, which stands for the indexes (for the provenance); else null. */
  String lockfileSha256;
  // fetch
  List<PackageFetcher.Fetched> fetched;
  List<PackageSource> sources;
  /** The repository each of {@link #sources} came from, in the same order (for the SBOM). */
  List<Repository> packageRepositories;
  /** What the image's etc/apk/repositories says. */
  List<String> imageRepositories;
  /** The keys the image's etc/apk/keys gets. */
  Map<String, byte[]> keys;
  // rootfs
  /** The image's root filesystem layer; with layering by packages, the top layer. */
  LayerResult layer;
  /** Uncompressed bytes of the root filesystem's layers (all of them with layering by packages). */
  long uncompressedSize;
  /** With layering by packages: the package layers (and whiteouts) under {@link #layer}; else null. */
  dev.apkimg.rootfs.PackageLayers packageLayers;
  /** What the image's os-release says; null when it has none (or none naming an ID). */
  dev.apkimg.rootfs.OsRelease osRelease;
  /** The runtime config with the profile's labels, volumes, ports, stop signal and history. */
  ImageConfig config;

  ArchBuild(String arch) {
    this.arch = arch;
  }
}
