package dev.apkimg.fuzz;

import dev.apkimg.apk.GzipMemberReader;
import dev.apkimg.testing.GzipMembers;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link GzipMemberReader} (every .apk and APKINDEX.tar.gz) on mutated member sequences: it
 * yields members or throws {@link IOException}; never loops, never counts bytes wrongly.
 */
class GzipMemberFuzzTest {
  static List<byte[]> seeds() {
    List<byte[]> seeds = new ArrayList<>();
    seeds.add(TestPackage.builder("gzseed", "1.0-r0").file("etc/gz", "gz").build().build(TestKeys.primary()).bytes());
    seeds.add(GzipMembers.gzip(new byte[0]));
    byte[] text = "hello, members\n".repeat(40).getBytes(StandardCharsets.UTF_8);
    seeds.add(withAllHeaderFields(GzipMembers.gzip(text)));
    seeds.add(Mutations.concat(GzipMembers.gzip(text), GzipMembers.gzip(new byte[70_000])));
    return seeds;
  }

  /** The member with FEXTRA, FNAME, FCOMMENT and FHCRC set, which abuild never writes but gzip allows. */
  private static byte[] withAllHeaderFields(byte[] member) {
    byte[] extra = {4, 0, 'a', 'b', 2, 0, 'x', 'y'}; // XLEN 4... then 4 bytes; the rest is the name
    byte[] head = Arrays.copyOf(member, 10);
    head[3] = 2 | 4 | 8 | 16;
    return Mutations.concat(head, Arrays.copyOf(extra, 6), "name\0".getBytes(StandardCharsets.US_ASCII),
        "comment\0".getBytes(StandardCharsets.US_ASCII), new byte[] {0x12, 0x34},
        Arrays.copyOfRange(member, 10, member.length));
  }

  /** Reads every member to its end, as the package and index readers do. */
  static void readAll(InputStream in) throws IOException {
    GzipMemberReader members = new GzipMemberReader(in);
    long[] seen = new long[1];
    while (members.hasNextMember()) {
      try (InputStream m = members.nextMember((b, off, len) -> seen[0] += len)) {
        m.transferTo(OutputStreams.NULL);
      }
      if (seen[0] != members.compressedBytes()) {
        throw new AssertionError("sink saw " + seen[0] + " compressed bytes, reader counted "
            + members.compressedBytes());
      }
      seen[0] = 0;
    }
  }

  @Test
  void gzipMembers() throws Exception {
    Fuzzer.of("gzip", IOException.class).run(seeds(), GzipMemberFuzzTest::mutate,
        input -> readAll(new ByteArrayInputStream(input)));
  }

  @BeforeAll
  static void jazzerSeeds() throws Exception {
    Fuzzer.seedJazzerCorpus(GzipMemberFuzzTest.class, "gzipMembersCoverageGuided", seeds());
  }

  @CoverageGuided
  void gzipMembersCoverageGuided(byte[] input) throws Exception {
    Fuzzer.once(input, in -> readAll(new ByteArrayInputStream(in)), IOException.class);
  }

  static byte[] mutate(byte[] seed, Random r, List<byte[]> corpus) {
    if (r.nextBoolean()) {
      return Mutations.bytes(seed, r, corpus);
    }
    return Mutations.gzipMembers(seed, r, corpus, (content, rr) -> Mutations.bytes(content, rr, corpus));
  }
}
