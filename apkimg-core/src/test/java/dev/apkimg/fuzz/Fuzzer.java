package dev.apkimg.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A seeded, deterministic mutation fuzzer. Each fuzz test hands it valid inputs made with the test
 * helpers (the seeds), a mutator and the parser call; the fuzzer runs the seeds, then mutated
 * inputs for a bounded time, each under a timeout, and fails on the first input that makes the
 * parser throw anything but its documented exceptions (or an Error: out of memory, stack
 * overflow), or hang. This is the fuzz run of every {@code mvn verify}: 3 s per fuzz test.
 *
 * <p>Input {@code i} of a run is a pure function of the run's seed and {@code i}, so a failure is
 * reproduced by its seed and number (the failure message gives both), and the crashing input is
 * also saved under {@code apkimg-core/target/fuzz-findings/}.
 *
 * <p>System properties (given to {@code mvn}, surefire hands them to the test JVM):
 * <ul>
 *   <li>{@code apkimg.fuzz.seconds}: time per fuzz test (default 3, and at most 200000 inputs)
 *   <li>{@code apkimg.fuzz.seed}: the run's seed (default fixed; {@code random} for a new one each test)
 *   <li>{@code apkimg.fuzz.replay}: run only input number N (give the failing run's seed too)
 *   <li>{@code apkimg.fuzz.keepGoing}: {@code true} to report every kind of failure found, not just the first
 * </ul>
 *
 * <p>A longer session, all parsers, 5 minutes each, new seeds:
 * <pre>
 * mvn -B -pl apkimg-core test -Dtest='*FuzzTest' -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dapkimg.fuzz.seconds=300 -Dapkimg.fuzz.seed=random -Dapkimg.fuzz.keepGoing=true
 * </pre>
 * Replaying a finding:
 * <pre>
 * mvn -B -pl apkimg-core test -Dtest='TarReaderFuzzTest#tarHeaders' -Dapkimg.fuzz.seed=SEED -Dapkimg.fuzz.replay=N
 * </pre>
 * Coverage-guided with Jazzer ({@link CoverageGuided}; one test per run; corpus kept in
 * {@code apkimg-core/.cifuzz-corpus}, crashes written under {@code src/test/resources}):
 * <pre>
 * JAZZER_FUZZ=1 JAZZER_MAX_DURATION=30m mvn -B -pl apkimg-core test \
 *     -Dtest='ApkIndexFuzzTest#apkindexArchiveCoverageGuided' -Dsurefire.failIfNoSpecifiedTests=false -Dapkimg.excludedTestGroups=
 * </pre>
 * A crash found either way is fixed in the parser and kept as a plain {@code @Test} next to the
 * fuzz test that found it (the {@code @CoverageGuided} tests do not run in {@code mvn verify}).
 */
final class Fuzzer {
  /** The parser call; throwing one of the allowed exception types is a proper refusal. */
  @FunctionalInterface
  interface Target {
    void run(byte[] input) throws Exception;
  }

  /** Makes a new input from a seed; {@code corpus} holds all seeds (for splicing). */
  @FunctionalInterface
  interface Mutator {
    byte[] mutate(byte[] seed, Random random, List<byte[]> corpus);
  }

  static final long DEFAULT_SEED = 0x61706b696d67L; // "apkimg"
  /** Generous: a parser takes milliseconds per input; this only catches loops, on a loaded machine too. */
  private static final long TIMEOUT_SECONDS = 20;
  /**
   * Bounds the default run on a fast machine as well, so that the inputs tried are the same
   * everywhere; a run given its own time is bounded by time only.
   */
  private static final int MAX_INPUTS = 200_000;

  private final String name;
  private final List<Class<? extends Throwable>> allowed;

  private Fuzzer(String name, List<Class<? extends Throwable>> allowed) {
    this.name = name;
    this.allowed = allowed;
  }

  /** A fuzzer for the parser {@code name} whose documented refusals are {@code allowed}. */
  @SafeVarargs
  static Fuzzer of(String name, Class<? extends Throwable>... allowed) {
    return new Fuzzer(name, List.of(allowed));
  }

  /** Runs the seeds as they are, then mutated inputs until the time is up. */
  void run(List<byte[]> seeds, Mutator mutator, Target target) throws Exception {
    long seed = seed();
    String given = System.getProperty("apkimg.fuzz.seconds", "");
    double seconds = given.isEmpty() ? 3 : Double.parseDouble(given);
    int maxInputs = given.isEmpty() ? MAX_INPUTS : Integer.MAX_VALUE;
    String replay = System.getProperty("apkimg.fuzz.replay");
    boolean keepGoing = Boolean.getBoolean("apkimg.fuzz.keepGoing");
    ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "fuzz-" + name);
      t.setDaemon(true); // a hung parser must not keep the JVM alive
      return t;
    });
    try {
      if (replay != null) {
        int i = Integer.parseInt(replay);
        check(worker, target, input(seeds, mutator, seed, i), seed, i);
        return;
      }
      for (byte[] s : seeds) {
        check(worker, target, s, seed, -1);
      }
      long start = System.nanoTime();
      long deadline = start + (long) (seconds * 1e9);
      int n = 0;
      int refused = 0;
      java.util.Map<String, AssertionError> findings = new java.util.LinkedHashMap<>();
      while (n < maxInputs && System.nanoTime() < deadline) {
        try {
          if (!check(worker, target, input(seeds, mutator, seed, n), seed, n)) {
            refused++;
          }
        } catch (AssertionError e) {
          if (!keepGoing) {
            throw e;
          }
          // One report per kind of failure and the place it comes from.
          Throwable c = e.getCause();
          String kind = c == null ? "hang" : c.getClass().getName() + " at "
              + (c.getStackTrace().length > 0 ? c.getStackTrace()[0] : "?");
          if (findings.putIfAbsent(kind, e) == null) {
            System.out.println("FINDING " + kind + "\n  " + e.getMessage());
          }
        }
        n++;
      }
      System.out.printf("fuzz %s: %d inputs (%d refused) in %.1f s, seed %d%n", name, n, refused,
          (System.nanoTime() - start) / 1e9, seed);
      if (!findings.isEmpty()) {
        throw findings.values().iterator().next();
      }
    } finally {
      worker.shutdownNow();
    }
  }

  /**
   * Runs {@code target} once, as a {@link CoverageGuided} test does: a documented refusal is
   * swallowed, anything else propagates (Jazzer reports it with the input).
   */
  @SafeVarargs
  static void once(byte[] input, Target target, Class<? extends Throwable>... allowed) throws Exception {
    try {
      target.run(input);
    } catch (Exception e) {
      for (Class<? extends Throwable> ok : allowed) {
        if (ok.isInstance(e)) {
          return;
        }
      }
      throw e;
    }
  }

  /**
   * In a Jazzer session ({@code JAZZER_FUZZ} set), puts {@code seeds} into the corpus Jazzer
   * starts from ({@code .cifuzz-corpus/CLASS/METHOD}), so that libFuzzer begins with valid
   * archives rather than with nothing. Call it from {@code @BeforeAll}.
   */
  static void seedJazzerCorpus(Class<?> test, String method, List<byte[]> seeds) throws IOException {
    String fuzz = System.getenv("JAZZER_FUZZ");
    if (fuzz == null || fuzz.isEmpty()) {
      return;
    }
    Path dir = Path.of(".cifuzz-corpus", test.getName(), method);
    Files.createDirectories(dir);
    for (int i = 0; i < seeds.size(); i++) {
      Files.write(dir.resolve("apkimg-seed-" + i), seeds.get(i));
    }
  }

  /** Input {@code i}: a seed chosen and mutated by a generator seeded with (run seed, i). */
  private static byte[] input(List<byte[]> seeds, Mutator mutator, long seed, int i) {
    Random r = new Random(seed * 0x9E3779B97F4A7C15L + i);
    byte[] s = seeds.get(r.nextInt(seeds.size()));
    return mutator.mutate(s.clone(), r, seeds);
  }

  /** True if the parser accepted the input, false if it refused it properly; fails otherwise. */
  private boolean check(ExecutorService worker, Target target, byte[] input, long seed, int i) throws IOException {
    Future<Throwable> f = worker.submit(() -> {
      try {
        target.run(input);
        return null;
      } catch (Throwable t) {
        return t;
      }
    });
    Throwable thrown;
    try {
      thrown = f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      throw new AssertionError(finding(input, seed, i, "did not return within " + TIMEOUT_SECONDS + " s (a hang)"));
    } catch (InterruptedException | ExecutionException e) {
      throw new AssertionError(e);
    }
    if (thrown == null) {
      return true;
    }
    for (Class<? extends Throwable> ok : allowed) {
      if (ok.isInstance(thrown) && !(thrown instanceof Error)) {
        return false;
      }
    }
    throw new AssertionError(finding(input, seed, i, "threw " + thrown), thrown);
  }

  private String finding(byte[] input, long seed, int i, String what) throws IOException {
    Path dir = Path.of("target", "fuzz-findings");
    Files.createDirectories(dir);
    Path file = dir.resolve(name + "-" + seed + "-" + i + ".bin");
    Files.write(file, input);
    String shown = input.length <= 600 ? " input (base64): " + Base64.getEncoder().encodeToString(input) : "";
    return "fuzz " + name + ": " + (i < 0 ? "a seed input" : "input " + i) + " " + what + "; saved to "
        + file.toAbsolutePath() + "; replay with -Dapkimg.fuzz.seed=" + seed
        + (i < 0 ? "" : " -Dapkimg.fuzz.replay=" + i) + ";" + shown;
  }

  private static long seed() {
    String s = System.getProperty("apkimg.fuzz.seed", "");
    if (s.isEmpty()) {
      return DEFAULT_SEED;
    }
    if (s.equals("random")) {
      return new Random().nextLong() & Long.MAX_VALUE;
    }
    return Long.parseLong(s);
  }
}
