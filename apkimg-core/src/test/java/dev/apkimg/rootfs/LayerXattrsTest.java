package dev.apkimg.rootfs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.apk.ApkIndexReader;
import dev.apkimg.apk.PackageInfo;
import dev.apkimg.repo.Keyring;
import dev.apkimg.tar.TarEntry;
import dev.apkimg.tar.TarReader;
import dev.apkimg.testing.BuiltApk;
import dev.apkimg.testing.TestKey;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Binary extended attributes (file capabilities) go from the package into the layer byte for
 * byte, and into apk's database as apk records them (the ACL's xattr checksum).
 */
class LayerXattrsTest {
  /** vfs_cap_data v2 for cap_net_raw+ep: not valid UTF-8, which is what commons-compress breaks. */
  private static final byte[] CAP_NET_RAW = {0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  private static final byte[] BINARY = {(byte) 0xc3, 0x28, (byte) 0xff, 0x00, 0x0a};

  @TempDir Path tmp;

  @Test
  void capabilitiesSurviveIntoTheLayerAndTheDatabase() throws Exception {
    TestKey key = TestKeys.primary();
    TestPackage pkg = TestPackage.builder("iputils", "1.0-r0").builddate(1_700_000_000L)
        .dir("bin").file("bin/ping", "ping".getBytes(StandardCharsets.UTF_8), 0755)
        .xattr("bin/ping", "security.capability", CAP_NET_RAW)
        .xattr("bin/ping", "user.note", BINARY)
        .build();
    BuiltApk apk = pkg.writeApk(tmp.resolve("iputils-1.0-r0.apk"), key);
    PackageInfo info = ApkIndexReader.parse(new ByteArrayInputStream(
        TestRepository.apkindexText(List.of(apk)).getBytes(StandardCharsets.UTF_8))).get(0);
    Path keys = Files.createDirectories(tmp.resolve("keys"));
    key.writePublicKey(keys);
    Keyring keyring = Keyring.of(List.of(keys.toString()), null, null, null);
    RootfsSpec spec = new RootfsSpec("x86_64", List.of("iputils"), List.of("/repo"), Map.of(), 1_700_000_000L);

    LayerResult layer = new LayerWriter(keyring)
        .write(List.of(new PackageSource(info, tmp.resolve("iputils-1.0-r0.apk"))), spec, tmp.resolve("layer.tar.gz"));

    Map<String, TarEntry> entries = new HashMap<>();
    String installed = null;
    try (InputStream in = new GZIPInputStream(Files.newInputStream(layer.file()))) {
      TarReader tar = new TarReader(in);
      for (TarEntry e; (e = tar.next()) != null; ) {
        entries.put(e.name(), e);
        if (e.name().equals("lib/apk/db/installed")) {
          installed = new String(tar.content().readAllBytes(), StandardCharsets.UTF_8);
        }
      }
    }
    TarEntry ping = entries.get("bin/ping");
    assertThat(ping.xattrs()).containsOnlyKeys("security.capability", "user.note");
    assertThat(ping.xattrs().get("security.capability")).isEqualTo(CAP_NET_RAW);
    assertThat(ping.xattrs().get("user.note")).isEqualTo(BINARY);
    assertThat(ping.pax()).as("apk's own PAX records stay out of the layer").isEmpty();
    // apk: SHA-1 over the attributes sorted by name, each as big-endian length + bytes.
    assertThat(installed).contains("R:ping\na:0:0:755:" + xattrChecksum(
        Map.of("security.capability", CAP_NET_RAW, "user.note", BINARY)) + "\nZ:");
  }

  private static String xattrChecksum(Map<String, byte[]> xattrs) throws Exception {
    MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
    xattrs.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
      byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
      sha1.update(ByteBuffer.allocate(4).putInt(name.length).array());
      sha1.update(name);
      sha1.update(ByteBuffer.allocate(4).putInt(e.getValue().length).array());
      sha1.update(e.getValue());
    });
    return "Q1" + Base64.getEncoder().encodeToString(sha1.digest());
  }
}
