package dev.apkimg.rootfs;

import dev.apkimg.apk.PackageInfo;
import java.nio.file.Path;

/** A verified package file to install, with the index entry it was chosen by. */
public record PackageSource(PackageInfo info, Path file) {}
