package dev.apkimg.api;

import dev.apkimg.Hint;
import dev.apkimg.image.PushReport;
import java.util.List;

/**
 * A build's progress, typed: front ends render each event in their own words, or its {@link
 * #message()}, a line of plain English that names no front end's settings.
 */
public sealed interface BuildEvent {
  /** How much a user wants to see it. */
  enum Level {
    /** A step of the build. */
    INFO,
    /** Something the user should know that does not stop the build. */
    WARNING,
    /** Detail for those who asked for every step. */
    DETAIL,
    /**
     * How far a step under way has come (bytes so far): live displays draw it, logs leave it out.
     * Sent at most every {@link #PROGRESS_INTERVAL_MILLIS} per download, layer or blob, and once
     * at its end.
     */
    PROGRESS
  }

  /** The least time between two progress events of one download, layer or blob. */
  long PROGRESS_INTERVAL_MILLIS = dev.apkimg.ProgressThrottle.EVENT_INTERVAL_MILLIS;

  Level level();

  /** The event as one line. */
  String message();

  /** The packages chosen for one architecture, in install order ({@code NAME-VERSION}). */
  record Resolved(String arch, List<String> packages) implements BuildEvent {
    public Resolved {
      packages = List.copyOf(packages);
    }

    @Override
    public Level level() {
      return Level.INFO;
    }

    @Override
    public String message() {
      return "resolved " + packages.size() + " packages for " + arch + ": " + String.join(" ", packages);
    }
  }

  /** The packages a lockfile pins are installed, no index is read. */
  record Pinned(String arch, int packages, String lockfile) implements BuildEvent {
    @Override
    public Level level() {
      return Level.INFO;
    }

    @Override
    public String message() {
      return "installing the " + packages + " packages pinned by " + lockfile;
    }
  }

  /** The packages of one architecture are being downloaded (or taken from the cache) and verified. */
  record Fetching(String arch, int packages) implements BuildEvent {
    @Override
    public Level level() {
      return Level.DETAIL;
    }

    @Override
    public String message() {
      return "fetching " + packages + " packages for " + arch;
    }
  }

  /** One package's install scripts had lines that were not carried out; details come as {@link Detail}s. */
  record ScriptLinesSkipped(String pkg, int notCarriedOut, int carriedOut) implements BuildEvent {
    @Override
    public Level level() {
      return Level.INFO;
    }

    @Override
    public String message() {
      return pkg + ": " + notCarriedOut + " install-script line" + (notCarriedOut == 1 ? "" : "s") + " not carried out"
          + (carriedOut > 0 ? " (" + carriedOut + " carried out)" : "");
    }
  }

  /** The root filesystem layer of one architecture is written. */
  record LayerWritten(String arch, long entries, long size, long uncompressedSize) implements BuildEvent {
    @Override
    public Level level() {
      return Level.INFO;
    }

    @Override
    public String message() {
      return "layer: " + entries + " entries, " + size + " bytes compressed, " + uncompressedSize + " bytes";
    }
  }

  /**
   * The image was pushed to {@code reference}; {@code blobs}, when not null, says how many blobs
   * were uploaded (and their bytes), already there, or mounted from another repository.
   */
  record Pushed(String reference, String digest, PushReport blobs) implements BuildEvent {
    public Pushed(String reference, String digest) {
      this(reference, digest, null);
    }

    @Override
    public Level level() {
      return Level.INFO;
    }

    @Override
    public String message() {
      return "pushed " + reference + " (" + digest + ")" + (blobs == null ? "" : ": " + blobs.summary());
    }
  }

  /** The image was loaded into the Docker daemon. */
  record Loaded(String tag, String platform) implements BuildEvent {
    @Override
    public Level level() {
      return Level.INFO;
    }

    @Override
    public String message() {
      return "loaded " + tag + " (" + platform + ") into the Docker daemon";
    }
  }

  /** The archive was written; {@code archive} as {@link Outputs#archiveName()} names it. */
  record Wrote(String archive, String tag, String digest) implements BuildEvent {
    @Override
    public Level level() {
      return Level.INFO;
    }

    @Override
    public String message() {
      return "wrote " + archive + " (" + tag + ", " + digest + ")";
    }
  }

  /**
   * Something the user should know that does not stop the build; {@code hint}, when not null,
   * names the setting that caused it (e.g. untrusted indexes accepted because they were allowed).
   */
  record Warning(String message, Hint hint) implements BuildEvent {
    @Override
    public Level level() {
      return Level.WARNING;
    }
  }

  /** A step in detail: which URL is read, which file is taken from the cache, which script line ran. */
  record Detail(String message) implements BuildEvent {
    @Override
    public Level level() {
      return Level.DETAIL;
    }
  }

  /**
   * Bytes of one package have arrived from its repository: {@code bytes} of {@code size} (the
   * size its index declares; 0 when it declares none).
   */
  record Downloading(String arch, String pkg, long bytes, long size) implements BuildEvent {
    @Override
    public Level level() {
      return Level.PROGRESS;
    }

    @Override
    public String message() {
      return "downloading " + pkg + ": " + Sizes.of(bytes) + (size > 0 ? " of " + Sizes.of(size) : "");
    }
  }

  /** One package was downloaded and verified: {@code bytes} in {@code nanos}. */
  record Downloaded(String arch, String pkg, long bytes, long nanos) implements BuildEvent {
    @Override
    public Level level() {
      return Level.DETAIL;
    }

    @Override
    public String message() {
      return "downloaded " + pkg + " (" + Sizes.of(bytes) + " in " + Sizes.seconds(nanos) + ", "
          + Sizes.rate(bytes, nanos) + ")";
    }
  }

  /**
   * One package was found in the cache and verified there: nothing was downloaded. {@code bytes}:
   * its file's size.
   */
  record Cached(String arch, String pkg, long bytes) implements BuildEvent {
    @Override
    public Level level() {
      return Level.DETAIL;
    }

    @Override
    public String message() {
      return "taken from the cache: " + pkg + " (" + Sizes.of(bytes) + ")";
    }
  }

  /**
   * Every package of one architecture is in the cache and verified: {@code downloaded} of them
   * were downloaded ({@code downloadedBytes} in all), {@code cached} were there already; it took
   * {@code nanos}.
   */
  record Fetched(String arch, int downloaded, long downloadedBytes, int cached, long nanos) implements BuildEvent {
    @Override
    public Level level() {
      return Level.INFO;
    }

    @Override
    public String message() {
      StringBuilder line = new StringBuilder("fetched " + (downloaded + cached) + " packages for " + arch
          + " in " + Sizes.seconds(nanos) + ": ");
      if (downloaded > 0) {
        line.append(downloaded).append(" downloaded (").append(Sizes.of(downloadedBytes)).append(", ")
            .append(Sizes.rate(downloadedBytes, nanos)).append(")");
      }
      if (cached > 0) {
        line.append(downloaded > 0 ? ", " : "").append(cached).append(" from the cache");
      }
      return line.toString();
    }
  }

  /**
   * The root filesystem of one architecture is being written into its layer(s): {@code packages}
   * of {@code totalPackages} unpacked, {@code bytes} of file content (uncompressed) of about
   * {@code expected} (the packages' installed sizes as their indexes declare them; 0 if unknown).
   */
  record LayerWriting(String arch, int packages, int totalPackages, long bytes, long expected) implements BuildEvent {
    @Override
    public Level level() {
      return Level.PROGRESS;
    }

    @Override
    public String message() {
      return "writing the layer for " + arch + ": " + packages + "/" + totalPackages + " packages, "
          + Sizes.of(bytes) + (expected > 0 ? " of " + Sizes.of(expected) : "");
    }
  }

  /** A blob of the image is being uploaded to {@code reference}: {@code bytes} of {@code size}. */
  record BlobPushing(String reference, String digest, long bytes, long size) implements BuildEvent {
    @Override
    public Level level() {
      return Level.PROGRESS;
    }

    @Override
    public String message() {
      return "pushing " + Sizes.shortDigest(digest) + ": " + Sizes.of(bytes) + " of " + Sizes.of(size);
    }
  }

  /** A blob of the image is in the registry of {@code reference}, and how it got there. */
  record BlobPushed(String reference, String digest, long size, Transfer transfer) implements BuildEvent {
    /** How a blob reached the registry. */
    public enum Transfer {
      /** Its bytes were sent. */
      UPLOADED,
      /** The repository had it already: nothing was sent. */
      EXISTS,
      /** The registry copied it from another of its repositories: nothing was sent. */
      MOUNTED;

      @com.fasterxml.jackson.annotation.JsonValue
      public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
      }
    }

    @Override
    public Level level() {
      return Level.DETAIL;
    }

    @Override
    public String message() {
      return switch (transfer) {
        case UPLOADED -> "pushed " + Sizes.shortDigest(digest) + " (" + Sizes.of(size) + ")";
        case EXISTS -> "skipped " + Sizes.shortDigest(digest) + " (" + Sizes.of(size) + "): already in the repository";
        case MOUNTED -> "mounted " + Sizes.shortDigest(digest) + " (" + Sizes.of(size) + ") from another repository";
      };
    }
  }

  /** Sizes, times and rates as the events' messages write them. */
  final class Sizes {
    private Sizes() {}

    /** {@code 812 B}, {@code 3.4 KiB}, {@code 134.2 MiB}, {@code 1.1 GiB}. */
    public static String of(long bytes) {
      if (bytes < 1024) {
        return bytes + " B";
      }
      String[] units = {"KiB", "MiB", "GiB", "TiB"};
      double value = bytes;
      int unit = -1;
      while (value >= 1024 && unit < units.length - 1) {
        value /= 1024;
        unit++;
      }
      return String.format(java.util.Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    /** {@code 0.31 s}. */
    public static String seconds(long nanos) {
      return String.format(java.util.Locale.ROOT, "%.2f s", nanos / 1e9);
    }

    /** Bytes per second as {@code 12.3 MiB/s}; {@code -} when no time passed. */
    public static String rate(long bytes, long nanos) {
      return nanos <= 0 ? "- B/s" : of(Math.round(bytes / (nanos / 1e9))) + "/s";
    }

    /** {@code sha256:0123456789ab}: the first 12 hex digits, as docker shows them. */
    public static String shortDigest(String digest) {
      int colon = digest.indexOf(':');
      int end = Math.min(digest.length(), colon + 1 + 12);
      return digest.substring(0, end);
    }
  }
}
