package dev.apkimg.fuzz;

import dev.apkimg.ApkimgException;
import dev.apkimg.resolve.Lockfile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Lockfile#read}: a lockfile is committed next to a profile and comes from outside like it.
 * It is read or refused with {@link ApkimgException}; never a Jackson exception or an NPE.
 */
class LockfileFuzzTest {
  @TempDir
  Path tmp;

  private static final String[] JSON_WORDS = {"null", "{}", "[]", "[null]", "{\"\": null}", "\"\"", "-1", "1e999",
      "99999999999999999999", "true", "\"lockfileVersion\": 1", "\"archs\": {}", "\"packages\": [{}]",
      "\"keyring\": {\"k\": null}", "\"repositories\": [null]", ",", ":", "\"", "\\u0000", "/*", "{", "}", "[", "]"};

  @Test
  void lockfiles() throws Exception {
    Path written = tmp.resolve("written.lock.json");
    Lockfile.of("sha256:" + "ab".repeat(32), new TreeMap<>(Map.of("x86_64", new Lockfile.Arch(
        List.of("https://example.org/main"), new TreeMap<>(Map.of("k.rsa.pub", "-----BEGIN PUBLIC KEY-----")),
        List.of(new Lockfile.Package("busybox", "1.36.1-r29", "https://example.org/main/x86_64/busybox-1.36.1-r29.apk",
            "Q1" + "A".repeat(27) + "=", "cd".repeat(32)),
            new Lockfile.Package("musl", "1.2.5-r0", "musl-1.2.5-r0.apk", "Q1x=", null))))))
        .write(written);
    Path lock = tmp.resolve("apkimg.lock.json");
    Fuzzer.of("lockfile", ApkimgException.class).run(List.of(Files.readAllBytes(written)),
        (seed, r, corpus) -> r.nextInt(4) == 0 ? Mutations.bytes(seed, r, corpus)
            : Mutations.text(seed, r, corpus, JSON_WORDS),
        input -> {
          Files.write(lock, input);
          Lockfile l = Lockfile.read(lock);
          // What a locked build does first: walk every arch and package.
          l.archs().forEach((arch, a) -> a.packages().forEach(p -> p.name()));
        });
  }
}
