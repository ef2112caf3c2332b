package dev.apkimg.rootfs;

import dev.apkimg.apk.ApkPackage;
import dev.apkimg.apk.PackageInfo;
import java.nio.file.Path;

/**
 * A verified package file to install, with the index entry it was chosen by.
 *
 * @param verified what verifying the file established (its control data, data stream digest and
 *     size), or null when the caller did not keep it: then the file is read again, and nothing
 *     derived from its data digest (a cached scan) is used
 */
public record PackageSource(PackageInfo info, Path file, ApkPackage verified) {
  public PackageSource(PackageInfo info, Path file) {
    this(info, file, null);
  }

  /** The SHA-256 (hex) of the data stream as verified, or null. */
  public String dataSha256() {
    return verified == null ? null : verified.dataHash();
  }

  /** The data stream's compressed size (it is the file's last bytes), or -1 when not known. */
  public long dataSize() {
    return verified == null ? -1 : verified.dataSize();
  }
}
