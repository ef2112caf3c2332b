package dev.apkimg.pipeline;

import dev.apkimg.ApkimgException;
import dev.apkimg.OutputFiles;
import dev.apkimg.api.BaseImage;
import dev.apkimg.api.BuildEvent;
import dev.apkimg.api.BuildListener;
import dev.apkimg.api.BuildResult;
import dev.apkimg.api.Outputs;
import dev.apkimg.image.ImagePublisher;
import dev.apkimg.image.PlatformImage;
import dev.apkimg.image.PublishResult;
import dev.apkimg.image.PushReport;
import dev.apkimg.image.Referrer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Step 6: the images to every output (archive, registries, daemon), then the metadata and
 * digest files; the files are committed together once every push and load succeeded. Every
 * front end's images take this path, whatever layers they carry.
 */
final class PublishStep {
  private PublishStep() {}

  /** {@code cacheDir}: where the record of pushed blobs is kept, for cross-repository mounts ({@code null}: none). */
  static BuildResult publish(BaseImage base, List<PlatformImage> images, Outputs outputs, Path cacheDir,
      BuildListener listener) {
    return publish(base, images, outputs, cacheDir, listener, List.of());
  }

  /**
   * As above, also writing {@code sboms} into {@link Outputs#sbomDir()} (when set), committed with the
   * other files, and attaching them to their images in the OCI archive and pushed images when {@link Outputs#sbom()}.
   */
  static BuildResult publish(BaseImage base, List<PlatformImage> images, Outputs outputs, Path cacheDir,
      BuildListener listener, List<SbomStep.Document> sboms) {
    if (images.size() != base.platforms().size()) {
      throw new IllegalArgumentException(images.size() + " images for " + base.platforms().size() + " platforms");
    }
    if (outputs.isEmpty()) {
      throw new ApkimgException("nothing to do: no archive, registry or daemon to publish to", dev.apkimg.Hint.NO_OUTPUT);
    }
    checkSbomOutputs(outputs);
    String reference = base.reference();
    List<Referrer> attached = outputs.sbomOnPush() ? referrers(base, images, sboms) : List.of();
    // Only what each output carries: the registries with sbomOnPush, the archive with sbom too.
    List<Referrer> inArchive = outputs.sbom() && outputs.archive() != null ? attached : List.of();
    List<Referrer> onPush = outputs.push().isEmpty() ? List.of() : attached;
    List<Referrer> referrers = new ArrayList<>(inArchive.isEmpty() ? onPush : inArchive);
    try (OutputFiles files = new OutputFiles()) {
      PublishResult published = ImagePublisher.publish(images, reference, base.annotations(), inArchive, onPush, outputs,
          cacheDir, files,
          new ImagePublisher.Progress() {
            @Override
            public void pushed(String ref, String digest) {
              listener.on(new BuildEvent.Pushed(ref, digest));
            }

            @Override
            public void pushed(String ref, String digest, PushReport blobs) {
              if (blobs.referrers() != null) {
                listener.on(new BuildEvent.Detail(blobs.referrers() == PushReport.Referrers.API
                    ? "the SBOMs of " + ref + " are listed by the registry's referrers API (no referrers tag)"
                    : "the SBOMs of " + ref + " are listed under the referrers tag sha256-HEX of each image"
                        + " (the registry has no referrers API)"));
              }
              listener.on(new BuildEvent.Pushed(ref, digest, blobs));
            }

            @Override
            public void loaded(String tag, String platform) {
              listener.on(new BuildEvent.Loaded(tag, platform));
            }

            @Override
            public void blobPushing(String ref, String digest, long bytes, long size) {
              listener.on(new BuildEvent.BlobPushing(ref, digest, bytes, size));
            }

            @Override
            public void blobPushed(String ref, String digest, long size, ImagePublisher.BlobTransfer transfer) {
              listener.on(new BuildEvent.BlobPushed(ref, digest, size, BuildEvent.BlobPushed.Transfer.valueOf(
                  transfer.name())));
            }

            @Override
            public void retrying(String ref, String message) {
              listener.on(new BuildEvent.Warning(message, null));
            }
          });
      List<BuildResult.ArchImage> archImages = new ArrayList<>();
      for (int i = 0; i < images.size(); i++) {
        BaseImage.Platform p = base.platforms().get(i);
        PlatformImage image = images.get(i);
        archImages.add(new BuildResult.ArchImage(p.arch(), image.platform(), image.manifestDigest(),
            image.configDigest(), p.layer().digest(), p.layer().diffId(), image.compressedSize(),
            p.uncompressedSize(), p.packages(), p.scripts()));
      }
      BuildResult result = new BuildResult(published.digest(), published.mediaType(), reference,
          outputs.archive() == null ? null : Path.of(outputs.archiveName()), published.pushed(), published.loaded(),
          archImages, published.pushes());
      for (SbomStep.Document sbom : outputs.sbomDir() == null ? List.<SbomStep.Document>of() : sboms) {
        Path file = outputs.sbomDir().resolve(sbom.fileName());
        try {
          files.writeStaged(files.stage(file), f -> java.nio.file.Files.write(f, sbom.bytes()));
        } catch (IOException e) {
          throw new ApkimgException("cannot write the SBOM " + file + ": " + e.getMessage(), e);
        }
      }
      if (outputs.metadataFile() != null) {
        BuildMetadata.stageMetadata(result, sboms, outputs.sbomDir(),
            referrers.stream().map(Referrer::manifestDigest).toList(), outputs.metadataFile(), files);
      }
      if (outputs.digestFile() != null) {
        BuildMetadata.stageDigest(result, outputs.digestFile(), files);
      }
      files.commit();
      if (outputs.archive() != null) {
        listener.on(new BuildEvent.Wrote(outputs.archiveName(), reference, published.digest()));
      }
      return result;
    } catch (IOException e) {
      throw new ApkimgException("cannot write the image's files: " + e.getMessage(), e);
    }
  }

  /**
   * SBOMs attached as referrers go to an OCI archive and to registries: a Docker archive has no place
   * for them, and the daemon does not carry them. Checked before anything is built.
   */
  static void checkSbomOutputs(Outputs outputs) {
    if (!outputs.sbom()) {
      return;
    }
    boolean dockerArchive = outputs.archive() != null && outputs.format() != Outputs.Format.OCI;
    if (dockerArchive || outputs.daemon()) {
      throw new ApkimgException("SBOMs are attached as OCI referrers to an OCI archive and to pushed images only ("
          + (dockerArchive ? "a Docker archive has no place for them" : "the daemon does not carry them")
          + "): write an OCI archive or push, or use sbomDir for the files");
    }
  }

  /** One referrer per SBOM, attached to its architecture's image, created when the image was. */
  private static List<Referrer> referrers(BaseImage base, List<PlatformImage> images, List<SbomStep.Document> sboms) {
    List<Referrer> referrers = new ArrayList<>();
    for (SbomStep.Document sbom : sboms) {
      if (sbom.arch() == null) {
        java.time.Instant created = images.stream().map(im -> im.config().created())
            .max(java.time.Instant::compareTo).orElseThrow();
        referrers.add(Referrer.ofIndex(images, base.annotations(), sbom.mediaType(), sbom.bytes(), java.util.Map.of(
            "org.opencontainers.image.created", java.time.format.DateTimeFormatter.ISO_INSTANT.format(created))));
        continue;
      }
      int i = 0;
      while (!base.platforms().get(i).arch().equals(sbom.arch())) {
        i++;
      }
      PlatformImage image = images.get(i);
      referrers.add(Referrer.of(image, sbom.mediaType(), sbom.bytes(), java.util.Map.of(
          "org.opencontainers.image.created", java.time.format.DateTimeFormatter.ISO_INSTANT.format(
              image.config().created()))));
    }
    return referrers;
  }
}
