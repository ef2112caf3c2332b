package dev.apkimg;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The work folders and partial files a build has made and not yet removed or moved into place.
 * A build registers each as it creates it and forgets it when done; a front end that is
 * interrupted (SIGINT, SIGTERM) calls {@link #deleteAll()} from its shutdown hook, so an
 * interrupted build leaves no debris beside its output, in the temp folder or in the cache.
 */
public final class TemporaryFiles {
  private static final Set<Path> PATHS = ConcurrentHashMap.newKeySet();
  private static volatile boolean stopping;

  private TemporaryFiles() {}

  /**
   * Remembers {@code path} (a file or a folder, just created) for {@link #deleteAll()}; returns
   * it. Once {@link #deleteAll()} has begun, the path is deleted at once and the build stopped.
   */
  public static Path register(Path path) {
    PATHS.add(path.toAbsolutePath());
    if (stopping) {
      deleteTree(path);
      throw new ApkimgException("interrupted");
    }
    return path;
  }

  /** Whether {@link #deleteAll()} has begun: the process is being stopped. */
  public static boolean stopping() {
    return stopping;
  }

  /** Forgets {@code path}: it was deleted, or moved into place and is an output now. */
  public static void forget(Path path) {
    PATHS.remove(path.toAbsolutePath());
  }

  /** Deletes {@code path} (recursively, never following symlinks) and forgets it; best effort. */
  public static void delete(Path path) {
    deleteTree(path);
    forget(path);
  }

  /**
   * Deletes everything still registered; best effort, for a shutdown hook. The build's threads
   * run on while the hook does, so a second pass a moment later removes what they made meanwhile
   * (a folder recreated by {@code createDirectories}, a file renamed into a work folder).
   */
  public static void deleteAll() {
    stopping = true;
    for (int pass = 0; pass < 2; pass++) {
      for (Path p : new ArrayList<>(PATHS)) {
        deleteTree(p);
      }
      if (pass == 0) {
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** What is registered now, for tests. */
  public static List<Path> registered() {
    return List.copyOf(PATHS);
  }

  private static void deleteTree(Path path) {
    try {
      if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
        Files.deleteIfExists(path);
        return;
      }
      Files.walkFileTree(path, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.deleteIfExists(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) {
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
          Files.deleteIfExists(dir);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (NoSuchFileException e) {
      // already gone
    } catch (IOException | RuntimeException e) {
      // Best effort: a leftover temporary file is not worth failing (or hanging) a shutdown for.
    }
  }
}
