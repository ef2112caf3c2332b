package dev.apkimg.fuzz;

import dev.apkimg.apk.ApkVersion;
import dev.apkimg.apk.Dependency;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Version strings and dependency atoms, as indexes, packages, lockfiles and profiles write them.
 * {@link ApkVersion} never throws and orders valid versions consistently; {@link Dependency#parse}
 * returns an atom or throws {@link IllegalArgumentException}, its documented refusal.
 */
class VersionFuzzTest {
  private static final String[] VERSION_WORDS = {"1", "0", "00", ".", "_", "-r", "-r1", "_rc", "_alpha", "_beta",
      "_pre", "_p", "_git", "_cvs", "_svn", "_hg", "a", "z", "~", "123456789012345678", "9".repeat(17), "-", "r",
      "\u0000", "\u00e9", " "};
  private static final String[] DEPENDENCY_WORDS = {"!", "@", "@tag", "<", ">", "=", "~", "<=", ">=", "><", "=~",
      "~=", "==", "Q1", "so:", "cmd:", "pc:", " ", "\t", "1.0-r0", "", "!!", "@@", "a"};

  private static final List<byte[]> VERSIONS = Stream.of("1.2.3-r4", "1.0_rc1", "1.0", "2.0_p1-r0", "1.05",
      "1.5", "1.2.3a", "0.0.0", "1_alpha2_beta3", "3.20.3-r0", "2024.07.05", "1.0~git", "1.0\n1.0-r1",
      "1.2.3-r4\n1.2.3a-r0", "10.1_rc2\n10.1", "0001\n1").map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();

  private static final List<byte[]> DEPENDENCIES = Stream.of("busybox", "so:libc.musl-x86_64.so.1",
      "!gamma", "beta>=2", "alpha<3.0", "a=1.0-r0", "a~1.2", "a=~1.2", "a><Q1abcdefghijklmnopqrstuvwxyz=",
      "pkg@edge", "pkg@edge>1", "cmd:sh", "a b c", "!a@t<=2_rc1")
      .map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();

  @Test
  void versions() throws Exception {
    Fuzzer.of("version").run(VERSIONS, (seed, r, corpus) -> mutateText(seed, r, corpus, VERSION_WORDS),
        VersionFuzzTest::checkVersions);
  }

  @BeforeAll
  static void jazzerSeeds() throws Exception {
    Fuzzer.seedJazzerCorpus(VersionFuzzTest.class, "versionsCoverageGuided", VERSIONS);
    Fuzzer.seedJazzerCorpus(VersionFuzzTest.class, "dependenciesCoverageGuided", DEPENDENCIES);
  }

  @CoverageGuided
  void versionsCoverageGuided(byte[] input) throws Exception {
    Fuzzer.once(input, VersionFuzzTest::checkVersions);
  }

  /** Input: two versions separated by a newline (or one, compared with itself plus a digit). */
  static void checkVersions(byte[] input) {
      String[] ab = new String(input, StandardCharsets.UTF_8).split("\n", 2);
      String a = ab[0];
      String b = ab.length > 1 ? ab[1] : a + "1";
      boolean validA = ApkVersion.isValid(a);
      boolean validB = ApkVersion.isValid(b);
      int ab1 = Integer.signum(ApkVersion.compare(a, b));
      int ba = Integer.signum(ApkVersion.compare(b, a));
      if (validA && ApkVersion.compare(a, a) != 0) {
        throw new AssertionError("'" + a + "' is not equal to itself");
      }
      if (validA && validB && ab1 != -ba) {
        throw new AssertionError("compare('" + a + "', '" + b + "') = " + ab1 + " but compare('" + b + "', '" + a
            + "') = " + ba);
      }
  }

  @Test
  void dependencies() throws Exception {
    Fuzzer.of("dependency", IllegalArgumentException.class).run(DEPENDENCIES,
        (seed, r, corpus) -> mutateText(seed, r, corpus, DEPENDENCY_WORDS), VersionFuzzTest::checkDependencies);
  }

  @CoverageGuided
  void dependenciesCoverageGuided(byte[] input) throws Exception {
    Fuzzer.once(input, VersionFuzzTest::checkDependencies, IllegalArgumentException.class);
  }

  /** Input: a space-separated list of atoms, as in an index's D: line. */
  static void checkDependencies(byte[] input) {
          String s = new String(input, StandardCharsets.UTF_8);
          for (Dependency d : Dependency.parseList(s)) {
            // What the resolver does with an atom: match versions and print it.
            d.versionMatches("1.0-r0");
            d.versionMatches(d.version());
            Dependency again = Dependency.parse(d.toString());
            if (!again.equals(d)) {
              throw new AssertionError("'" + d + "' parses back as '" + again + "'");
            }
          }
  }

  /** Words inserted, characters edited, strings cut: versions are short, so edits stay small. */
  private static byte[] mutateText(byte[] seed, Random r, List<byte[]> corpus, String[] words) {
    String s = new String(seed, StandardCharsets.UTF_8);
    int edits = 1 + r.nextInt(3);
    for (int k = 0; k < edits; k++) {
      int at = s.isEmpty() ? 0 : r.nextInt(s.length() + 1);
      switch (r.nextInt(4)) {
        case 0 -> s = s.substring(0, at) + words[r.nextInt(words.length)] + s.substring(at);
        case 1 -> s = at < s.length() ? s.substring(0, at) + s.substring(at + 1) : s;
        case 2 -> s = s.substring(0, at);
        default -> s = new String(Mutations.bytes(s.getBytes(StandardCharsets.UTF_8), r, corpus),
            StandardCharsets.UTF_8);
      }
    }
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
