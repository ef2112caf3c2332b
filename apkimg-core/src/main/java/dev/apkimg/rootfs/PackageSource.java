package dev.apkimg.rootfs;

import dev.apkimg.apk.PackageInfo;
import java.nio.file.Path;

/**
 * A verified package file to install, with the index entry it was chosen by.
 *
 * @param dataSha256 the SHA-256 (hex) of its data stream as verified when it was fetched, or null
 *     when not known (then nothing derived from that digest, such as a cached scan, is used)
 * @param dataSize the data stream's compressed size (the file's last bytes), or -1 when not known
 */
public record PackageSource(PackageInfo info, Path file, String dataSha256, long dataSize) {
  public PackageSource(PackageInfo info, Path file) {
    this(info, file, null, -1);
  }
}
