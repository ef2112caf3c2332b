package dev.apkimg.fuzz;

import dev.apkimg.apk.ApkIndexReader;
import dev.apkimg.apk.KeyLookup;
import dev.apkimg.testing.BuiltApk;
import dev.apkimg.testing.GzipMembers;
import dev.apkimg.testing.TarBlocks;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ApkIndexReader}: the APKINDEX text and the APKINDEX.tar.gz container (signature stream,
 * index stream) it comes in. Either it returns an index or it throws {@link IOException}.
 */
class ApkIndexFuzzTest {
  @TempDir
  Path tmp;

  static final String[] INDEX_WORDS = {"C:Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=", "P:", "P:a", "V:", "V:1.0-r0", "V:1.0_rc1-r99",
      "A:x86_64", "S:", "I:", "t:", "k:", "q:", "D:", "D:so:libc.musl-x86_64.so.1 !gamma beta>=2", "D:>=1",
      "D:a><Q1abc", "D:a@tag=1", "D:!", "D:a~", "D:a==", "p:cmd:x=1.0", "p:so:lib.so=", "i:a b c", "r:x", "o:",
      "m:", "c:", "T:", "L:", "U:", "X", ":", "", "\u0000", "\r", "P:a\u0000b", "V:99999999999999999999"};

  static final KeyLookup TRUST_PRIMARY = name -> name.equals(TestKeys.primary().name())
      ? Optional.of((PublicKey) TestKeys.primary().publicKey()) : Optional.empty();

  private static List<BuiltApk> apks() {
    TestPackage alpha = TestPackage.builder("alpha", "1.0-r0").commit("abc123").providerPriority(10)
        .depends("beta>=2", "so:libc.musl-x86_64.so.1", "!gamma").provides("cmd:alpha=1.0-r0", "so:libalpha.so.1=1")
        .installIf("beta", "delta").file("usr/bin/alpha", "a").build();
    TestPackage beta = TestPackage.builder("beta", "2.0-r1").file("usr/share/beta", "b").build();
    return List.of(alpha.build(TestKeys.primary()), beta.build(TestKeys.primary()));
  }

  @Test
  void apkindexText() throws Exception {
    List<byte[]> seeds = List.of(TestRepository.apkindexText(apks()).getBytes(StandardCharsets.UTF_8));
    Fuzzer.of("apkindex-text", IOException.class).run(seeds,
        (seed, r, corpus) -> r.nextInt(4) == 0 ? Mutations.bytes(seed, r, corpus)
            : Mutations.text(seed, r, corpus, INDEX_WORDS),
        input -> ApkIndexReader.parse(new ByteArrayInputStream(input)));
  }

  @Test
  void apkindexArchive() throws Exception {
    List<byte[]> seeds = new ArrayList<>();
    for (TestRepository.IndexSignature s : TestRepository.IndexSignature.values()) {
      TestRepository.Written w = new TestRepository(TestKeys.primary())
          .add(TestPackage.builder("alpha", "1.0-r0").depends("beta").file("a", "a").build(),
              TestPackage.builder("beta", "2.0-r1").file("b", "b").build())
          .indexSignature(s).write(tmp.resolve(s.name()));
      seeds.add(Files.readAllBytes(w.index("x86_64")));
    }
    byte[] signatureMember = GzipMembers.split(seeds.get(0)).get(0).compressed();
    byte[] text = TestRepository.apkindexText(apks()).getBytes(StandardCharsets.UTF_8);
    Fuzzer.of("apkindex-archive", IOException.class).run(seeds,
        (seed, r, corpus) -> switch (r.nextInt(4)) {
          case 0 -> Mutations.bytes(seed, r, corpus);
          case 1 -> Mutations.gzipMembers(seed, r, corpus, (content, rr) -> Mutations.tar(content, rr, corpus));
          default -> { // the APKINDEX text mutated inside a well-formed container
            byte[] index = GzipMembers.gzip(new TarBlocks()
                .apkFile("DESCRIPTION", "fuzz".getBytes(StandardCharsets.UTF_8))
                .apkFile("APKINDEX", Mutations.text(text, r, corpus, INDEX_WORDS))
                .endOfArchive().toByteArray());
            yield r.nextBoolean() ? Mutations.concat(signatureMember, index) : index;
          }
        },
        input -> ApkIndexReader.read(new ByteArrayInputStream(input), TRUST_PRIMARY));
  }

  @BeforeAll
  static void jazzerSeeds() throws Exception {
    byte[] text = TestRepository.apkindexText(apks()).getBytes(StandardCharsets.UTF_8);
    Fuzzer.seedJazzerCorpus(ApkIndexFuzzTest.class, "apkindexTextCoverageGuided", List.of(text));
    Fuzzer.seedJazzerCorpus(ApkIndexFuzzTest.class, "apkindexArchiveCoverageGuided", List.of(new TarBlocks()
        .apkFile("DESCRIPTION", "seed".getBytes(StandardCharsets.UTF_8)).apkFile("APKINDEX", text)
        .endOfArchive().toByteArray()));
  }

  @CoverageGuided
  void apkindexTextCoverageGuided(byte[] input) throws Exception {
    Fuzzer.once(input, in -> ApkIndexReader.parse(new ByteArrayInputStream(in)), IOException.class);
  }

  /** The input is the index stream's tar (compressed here, so the fuzzer need not get CRCs right). */
  @CoverageGuided
  void apkindexArchiveCoverageGuided(byte[] input) throws Exception {
    Fuzzer.once(input, in -> ApkIndexReader.read(new ByteArrayInputStream(GzipMembers.gzip(in)), TRUST_PRIMARY),
        IOException.class);
  }
}
