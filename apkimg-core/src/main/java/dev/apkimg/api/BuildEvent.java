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
    DETAIL
  }

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
}
