package dev.apkimg;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The files a command writes for the user (image archive, lockfile, metadata, digest), all or
 * nothing: each is written to a temporary file beside its target, created exclusively (a random
 * name, {@code CREATE_NEW}: a planted file or symlink is never followed or reused), and moved
 * into place by {@link #commit()} only when every output of the command has been written;
 * {@link #close()} deletes whatever was not committed. Temporary files are registered with
 * {@link TemporaryFiles}, so an interrupted command leaves none.
 */
public final class OutputFiles implements AutoCloseable {
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A temporary file and the target it becomes. */
  private record Staged(Path temporary, Path target) {}

  private final List<Staged> staged = new ArrayList<>();

  /** Writes one file's content; the file exists, empty. */
  public interface Writer {
    void write(Path file) throws IOException;
  }

  /** Writes {@code target} atomically with {@code writer}: it appears whole, or not at all. */
  public static void write(Path target, Writer writer) throws IOException {
    try (OutputFiles outputs = new OutputFiles()) {
      outputs.writeStaged(outputs.stage(target), writer);
      outputs.commit();
    }
  }

  /** Writes {@code bytes} to {@code target} atomically. */
  public static void write(Path target, byte[] bytes) throws IOException {
    write(target, file -> Files.write(file, bytes, StandardOpenOption.TRUNCATE_EXISTING));
  }

  /**
   * Refuses a target that must not be replaced, with one line naming it: an existing file that is
   * not a regular file (a directory, a device such as {@code /dev/null}, a FIFO, a socket), or
   * one of the command's {@code inputs} (the profile, the lockfile) or an earlier output.
   *
   * @param what how the user named the target, e.g. {@code -o}
   */
  public static void checkTarget(Path target, String what, List<Path> inputs) {
    if (Files.exists(target) && !Files.isRegularFile(target)) {
      throw new ApkimgException(what + " " + target + " is not a regular file (a directory, a device or a FIFO):"
          + " name a new file or a regular file to replace");
    }
    for (Path input : inputs) {
      if (input != null && sameFile(target, input)) {
        throw new ApkimgException(what + " " + target + " is " + input + ", which this command reads:"
            + " name another output file");
      }
    }
  }

  private static boolean sameFile(Path a, Path b) {
    if (a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize())) {
      return true;
    }
    try {
      return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * A new empty temporary file beside {@code target} (its folder is created), to be written and
   * then moved onto {@code target} by {@link #commit()}. It gets the umask's permissions, as any
   * new file, not {@code createTempFile}'s 0600, since it becomes the output.
   */
  public Path stage(Path target) throws IOException {
    return stage(target, ".tmp");
  }

  /**
   * As {@link #stage(Path)}, the temporary file's name ending in {@code suffix} (the package
   * cache's partial downloads end in {@code .part}).
   */
  public Path stage(Path target, String suffix) throws IOException {
    Path absolute = target.toAbsolutePath();
    Path directory = Files.createDirectories(absolute.getParent());
    String name = absolute.getFileName().toString();
    String base = "." + (name.length() > 100 ? name.substring(0, 100) : name) + ".";
    for (int attempt = 0; ; attempt++) {
      byte[] random = new byte[8];
      RANDOM.nextBytes(random);
      Path temporary = directory.resolve(base + HexFormat.of().formatHex(random) + suffix);
      try {
        TemporaryFiles.register(temporary);
        Files.createFile(temporary); // CREATE_NEW: fails on any existing file or symlink
        staged.add(new Staged(temporary, absolute));
        return temporary;
      } catch (java.nio.file.FileAlreadyExistsException e) {
        TemporaryFiles.forget(temporary);
        if (attempt == 10) {
          throw e;
        }
      } catch (IOException | RuntimeException e) {
        TemporaryFiles.forget(temporary);
        throw e;
      }
    }
  }

  /** Runs {@code writer} on a staged file and flushes it to disk. */
  public void writeStaged(Path staged, Writer writer) throws IOException {
    writer.write(staged);
    try (FileChannel channel = FileChannel.open(staged, StandardOpenOption.WRITE)) {
      channel.force(true);
    }
  }

  /** Moves every staged file onto its target, in the order staged. */
  public void commit() throws IOException {
    for (Staged s : staged) {
      try {
        Files.move(s.temporary(), s.target(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(s.temporary(), s.target(), StandardCopyOption.REPLACE_EXISTING);
      }
      TemporaryFiles.forget(s.temporary());
    }
  }

  /** Deletes the staged files not committed. */
  @Override
  public void close() {
    for (Staged s : staged) {
      TemporaryFiles.delete(s.temporary()); // a committed one is gone already
    }
    staged.clear();
  }
}
