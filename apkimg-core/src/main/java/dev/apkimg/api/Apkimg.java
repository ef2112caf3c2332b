package dev.apkimg.api;

import dev.apkimg.image.PlatformImage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.ServiceLoader;

/**
 * apkimg as a library: resolve a profile, lock it, build its image, or build the base that a
 * front end puts its own layers on and then publishes through {@link #publish}. Failures are
 * {@link dev.apkimg.ApkimgException}s with one-line messages and, where a setting of the caller
 * would help, a {@link dev.apkimg.Hint} to render in the caller's words.
 *
 * <pre>{@code
 * Apkimg apkimg = Apkimg.create();
 * BuildResult result = apkimg.build(BuildRequest.builder(Path.of("base.yaml"))
 *     .outputs(Outputs.builder().ociArchive(Path.of("base.tar")).build())
 *     .build(), event -> System.err.println(event.message()));
 * }</pre>
 *
 * <p>The implementation is the build pipeline ({@code dev.apkimg.pipeline}), found with {@link
 * ServiceLoader} so that this contract depends on no implementation package.
 */
public interface Apkimg {
  /** With the default timeouts: 10 s to connect to a repository, 30 s of silence in a download. */
  static Apkimg create() {
    return create(Duration.ofSeconds(10), Duration.ofSeconds(30));
  }

  /**
   * @param connectTimeout how long connecting to a repository may take
   * @param readTimeout how long a repository may send nothing, before or during a response
   */
  static Apkimg create(Duration connectTimeout, Duration readTimeout) {
    Provider provider = ServiceLoader.load(Provider.class, Apkimg.class.getClassLoader()).findFirst()
        .orElseThrow(() -> new IllegalStateException("no " + Provider.class.getName()
            + " on the class path: apkimg-core is incomplete"));
    return provider.create(connectTimeout, readTimeout);
  }

  /** Reads the profile and the repositories' indexes and chooses the packages for one architecture. */
  ResolveResult resolve(BuildRequest request, BuildListener listener);

  /**
   * Resolves as {@link #resolve} does and tells why {@code packageName} is chosen: the dependency
   * paths from the profile's packages to it. Reads the indexes only; downloads no package.
   */
  WhyResult why(BuildRequest request, String packageName, BuildListener listener);

  /**
   * Resolves every architecture of the profile (or the requested one), downloads the packages,
   * and writes a lockfile pinning them to {@code target} (null: {@link BuildRequest#defaultLockfile}).
   */
  LockResult lock(BuildRequest request, Path target, BuildListener listener);

  /**
   * Builds the image and publishes it to the request's {@link Outputs}. With a lockfile (named,
   * or beside the profile) the pinned packages are installed and no index is read.
   */
  BuildResult build(BuildRequest request, BuildListener listener);

  /**
   * Builds everything up to the image, per architecture: the root filesystem layer (written into
   * {@code workDir}, which the caller owns and deletes), its image configuration, and what was
   * installed. A front end puts its layers on each and hands the images to {@link #publish}.
   */
  BaseImage buildBase(BuildRequest request, Path workDir, BuildListener listener);

  /**
   * Publishes images made on {@code base} (one per architecture, in its order) to the request's
   * {@link Outputs}, with the base's annotations on the image index, and writes the metadata and
   * digest files: the same path and schema as {@link #build}.
   */
  BuildResult publish(BaseImage base, List<PlatformImage> images, BuildRequest request, BuildListener listener);

  /** What implements this interface; {@link #create} loads it with {@link ServiceLoader}. */
  interface Provider {
    Apkimg create(Duration connectTimeout, Duration readTimeout);
  }
}
