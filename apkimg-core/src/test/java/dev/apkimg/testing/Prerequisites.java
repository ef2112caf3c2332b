package dev.apkimg.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Checks for what integration tests need from the machine. A missing prerequisite skips the test
 * (JUnit assumption) with a message, except when {@code APKIMG_IT_REQUIRED=1} (set by CI): then
 * it fails, so CI never passes by silently skipping.
 */
public final class Prerequisites {
    private Prerequisites() {
    }

    /** Requires an executable {@code cmd} on the PATH (or at that path, if it contains a slash). */
    public static void requireCommand(String cmd) {
        if (cmd.contains("/")) {
            if (!Files.isExecutable(Path.of(cmd))) {
                missing("command " + cmd + " is not an executable file");
            }
            return;
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, cmd)) && !Files.isDirectory(Path.of(dir, cmd))) {
                return;
            }
        }
        missing("command '" + cmd + "' not found on PATH");
    }

    /** Requires running as root (uid 0), e.g. for chroot and bind mounts. */
    public static void requireRoot() {
        long uid;
        try {
            uid = new com.sun.security.auth.module.UnixSystem().getUid();
        } catch (Throwable e) { // not a Unix JDK
            missing("cannot determine the user id: " + e);
            return;
        }
        if (uid != 0) {
            missing("needs root (running as uid " + uid + ")");
        }
    }

    /**
     * Requires {@code ../shared/fixtures} and returns it. Maven runs a module's tests in the module
     * directory, so the working directory and each of its ancestors is tried: {@code ../shared},
     * {@code ../../shared}, and so on.
     */
    public static Path requireSharedFixtures() {
        Path cwd = Path.of("").toAbsolutePath().normalize();
        for (Path dir = cwd.getParent(); dir != null; dir = dir.getParent()) {
            Path fixtures = dir.resolve("shared").resolve("fixtures");
            if (Files.isDirectory(fixtures)) {
                return fixtures;
            }
        }
        missing("../shared/fixtures not found above " + cwd);
        return null; // not reached: missing() always throws
    }

    private static void missing(String what) {
        String msg = "prerequisite missing: " + what;
        if ("1".equals(System.getenv("APKIMG_IT_REQUIRED"))) {
            Assertions.fail(msg + " (APKIMG_IT_REQUIRED=1, so this fails instead of skipping)");
        }
        Assumptions.abort(msg);
    }
}
