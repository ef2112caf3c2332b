package dev.apkimg.fuzz;

import dev.apkimg.tar.TarEntry;
import dev.apkimg.tar.TarReader;
import dev.apkimg.testing.GzipMembers;
import dev.apkimg.testing.TarBlocks;
import dev.apkimg.testing.TestPackage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link TarReader} (the data tar of every package) on mutated ustar, GNU long-name and PAX
 * archives: it returns entries or throws {@link IOException}, and never yields a negative size.
 */
class TarReaderFuzzTest {
  static final byte[] CAPABILITY = {1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

  /** Archives with every header kind apk files have. */
  static List<byte[]> seeds() {
    TestPackage pkg = TestPackage.builder("tarseed", "1.0-r0")
        .file("usr/bin/ping", "ping".getBytes(StandardCharsets.UTF_8), 04755)
        .xattr("usr/bin/ping", "security.capability", CAPABILITY)
        .file("usr/share/" + "long-".repeat(30) + "name", "x")
        .symlink("usr/bin/link", "ping")
        .symlink("usr/lib/far", "../" + "deep/".repeat(30) + "target")
        .hardlink("usr/bin/ping6", "usr/bin/ping")
        .dir("var/empty", 0700)
        .build();
    List<byte[]> seeds = new ArrayList<>();
    seeds.add(GzipMembers.split(pkg.dataMember()).get(0).content());
    seeds.add(GzipMembers.split(pkg.controlMember()).get(0).content());
    seeds.add(new TarBlocks()
        .gnuLong('L', "usr/lib/" + "gnu-long-".repeat(20) + "file")
        .gnuLong('K', "target-" + "k".repeat(150))
        .entry("short", '2', "t")
        .pax(TarBlocks.paxRecord("path", "pax/path"), TarBlocks.paxRecord("size", "3"),
            TarBlocks.paxRecord("mtime", "1718000000.5"), TarBlocks.paxRecord("uid", "1000"),
            TarBlocks.paxRecord("SCHILY.xattr.user.bin", new byte[] {0, '\n', '=', (byte) 0xff}))
        .file("ignored-name", "abc".getBytes(StandardCharsets.UTF_8))
        .entry("dir/", '5', "")
        .endOfArchive()
        .toByteArray());
    return seeds;
  }

  static void readAll(InputStream in) throws IOException {
    TarReader tar = new TarReader(in);
    TarEntry e;
    while ((e = tar.next()) != null) {
      if (e.size() < 0) {
        throw new AssertionError("negative size " + e.size() + " for " + e.name());
      }
      tar.content().transferTo(OutputStreams.NULL);
    }
  }

  @Test
  void tarHeaders() throws Exception {
    Fuzzer.of("tar", IOException.class).run(seeds(), TarReaderFuzzTest::mutate,
        input -> readAll(new ByteArrayInputStream(input)));
  }

  @BeforeAll
  static void jazzerSeeds() throws Exception {
    Fuzzer.seedJazzerCorpus(TarReaderFuzzTest.class, "tarHeadersCoverageGuided", seeds());
  }

  @CoverageGuided
  void tarHeadersCoverageGuided(byte[] input) throws Exception {
    Fuzzer.once(input, in -> readAll(new ByteArrayInputStream(in)), IOException.class);
  }

  // Inputs the fuzzer found, each reduced to the one header field that did it.

  @Test
  void negativeSizeInBase256IsRefused() {
    byte[] tar = new TarBlocks().file("f", "abc".getBytes(StandardCharsets.UTF_8)).endOfArchive().toByteArray();
    java.util.Arrays.fill(tar, 124, 136, (byte) 0xff); // GNU base-256: -1
    TarBlocks.fixChecksum(tar, 0);
    assertThatThrownBy(() -> readAll(new ByteArrayInputStream(tar))).isInstanceOf(IOException.class)
        .hasMessage("malformed tar header: negative size -1");
  }

  @Test
  void negativeSizeOfPaxHeaderIsRefused() {
    byte[] tar = new TarBlocks().pax(TarBlocks.paxRecord("path", "p")).file("f", new byte[0]).toByteArray();
    java.util.Arrays.fill(tar, 124, 136, (byte) 0xff);
    TarBlocks.fixChecksum(tar, 0);
    assertThatThrownBy(() -> readAll(new ByteArrayInputStream(tar))).isInstanceOf(IOException.class)
        .hasMessage("malformed tar header: negative size -1");
  }

  @Test
  void paxNumbersThatAreNotNumbersAreRefused() {
    for (String key : List.of("size", "uid", "gid")) {
      byte[] tar = new TarBlocks().pax(TarBlocks.paxRecord(key, "12abc")).file("f", new byte[0]).toByteArray();
      assertThatThrownBy(() -> readAll(new ByteArrayInputStream(tar))).isInstanceOf(IOException.class)
          .hasMessageContaining("malformed PAX " + key + " \"12abc\"");
    }
    byte[] negative = new TarBlocks().pax(TarBlocks.paxRecord("size", "-1")).file("f", new byte[0]).toByteArray();
    assertThatThrownBy(() -> readAll(new ByteArrayInputStream(negative))).isInstanceOf(IOException.class)
        .hasMessageContaining("malformed PAX size \"-1\"");
    byte[] hex = new TarBlocks().pax(TarBlocks.paxRecord("mtime", "0x10")).file("f", new byte[0]).toByteArray();
    assertThatThrownBy(() -> readAll(new ByteArrayInputStream(hex))).isInstanceOf(IOException.class)
        .hasMessageContaining("malformed PAX mtime \"0x10\"");
    byte[] control = new TarBlocks().pax(TarBlocks.paxRecord("uid", "1\n2")).file("f", new byte[0]).toByteArray();
    assertThatThrownBy(() -> readAll(new ByteArrayInputStream(control))).isInstanceOf(IOException.class)
        .hasMessageContaining("malformed PAX uid \"1\\n2\"");
  }

  @Test
  void paxRecordEndingInsideItsKeyIsRefused() {
    byte[] tar = new TarBlocks().pax("4 a=".getBytes(StandardCharsets.US_ASCII)).file("f", new byte[0])
        .toByteArray();
    assertThatThrownBy(() -> readAll(new ByteArrayInputStream(tar))).isInstanceOf(IOException.class)
        .hasMessage("malformed PAX header record: no '='");
  }

  @Test
  void paxTimesWithFractionsAndSignsStillRead() throws IOException {
    byte[] tar = new TarBlocks().pax(TarBlocks.paxRecord("mtime", "-5.5")).file("f", new byte[0]).toByteArray();
    assertThat(new TarReader(new ByteArrayInputStream(tar)).next().mtime()).isEqualTo(-6);
  }

  /** Mostly header-aware edits; sometimes an archive around PAX records made up here. */
  static byte[] mutate(byte[] seed, Random r, List<byte[]> corpus) {
    if (r.nextInt(4) == 0) {
      return paxArchive(r);
    }
    return Mutations.tar(seed, r, corpus);
  }

  private static final String[] PAX_KEYS = {"path", "linkpath", "size", "uid", "gid", "mtime", "atime",
      "SCHILY.xattr.security.capability", "SCHILY.xattr.", "comment", "", "=", "GNU.sparse.size"};

  /** PAX records with odd keys, numbers and lengths, then an entry they apply to. */
  private static byte[] paxArchive(Random r) {
    int n = 1 + r.nextInt(4);
    byte[][] records = new byte[n][];
    for (int i = 0; i < n; i++) {
      String key = PAX_KEYS[r.nextInt(PAX_KEYS.length)];
      byte[] value;
      if (r.nextBoolean()) {
        value = Mutations.INTERESTING_NUMBERS[r.nextInt(Mutations.INTERESTING_NUMBERS.length)]
            .getBytes(StandardCharsets.US_ASCII);
      } else {
        value = new byte[r.nextInt(24)];
        r.nextBytes(value);
      }
      records[i] = TarBlocks.paxRecord(key, value);
      if (r.nextInt(3) == 0) { // a wrong record length
        String len = Mutations.INTERESTING_NUMBERS[r.nextInt(Mutations.INTERESTING_NUMBERS.length)];
        String rec = new String(records[i], StandardCharsets.ISO_8859_1);
        records[i] = (len + rec.substring(rec.indexOf(' '))).getBytes(StandardCharsets.ISO_8859_1);
      }
    }
    TarBlocks t = new TarBlocks().pax(records);
    if (r.nextBoolean()) {
      t.file("f", "content".getBytes(StandardCharsets.UTF_8));
    } else {
      t.entry("l", r.nextBoolean() ? '2' : '1', "f");
    }
    return t.endOfArchive().toByteArray();
  }
}
