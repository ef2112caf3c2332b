package dev.apkimg.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestPackageTest {

    static TestPackage sample() {
        return TestPackage.builder("hello", "1.2.3-r4")
                .description("hello test")
                .builddate(1700000000L)
                .depends("so:libc.musl-x86_64.so.1", "foo>=1.2", "!bar")
                .provides("cmd:hello=1.2.3-r4")
                .dir("usr/bin")
                .file("usr/bin/hello", "#!/bin/sh\necho hello\n".getBytes(StandardCharsets.UTF_8), 04755)
                .file("etc/hello.conf", "x=1\n")
                .file("var/lib/hello/owned", new byte[5000], 0640, 1000, 1001)
                .symlink("usr/bin/hi", "hello")
                .symlink("usr/bin/abs", "/usr/bin/hello")
                .hardlink("usr/bin/hello2", "usr/bin/hello")
                .dir("tmp", 01777)
                .xattr("usr/bin/hello", "security.capability", new byte[] {1, 0, 0, 2, (byte) 0xff, 0, 0, 0})
                .postInstall("#!/bin/sh\nexit 0\n")
                .build();
    }

    @Test
    void apkHasThreeGzipMembersAndConsistentChecksums(@TempDir Path tmp) throws Exception {
        TestPackage pkg = sample();
        BuiltApk apk = pkg.writeApk(tmp.resolve("hello-1.2.3-r4.apk"), TestKeys.primary());
        byte[] file = Files.readAllBytes(tmp.resolve("hello-1.2.3-r4.apk"));
        assertThat(file).isEqualTo(apk.bytes());
        assertThat(apk.size()).isEqualTo(file.length);

        List<GzipMembers.Member> m = GzipMembers.split(file);
        assertThat(m).hasSize(3);
        assertThat(m.get(1).compressed()).isEqualTo(apk.controlMember());
        assertThat(m.get(2).compressed()).isEqualTo(apk.dataMember());
        // gzip -n -9 header: no flags, mtime 0, XFL 2, OS 3
        for (GzipMembers.Member g : m) {
            assertThat(HexFormat.of().formatHex(g.compressed(), 0, 10)).isEqualTo("1f8b0800000000000203");
        }

        String q1 = "Q1" + Base64.getEncoder().encodeToString(
                MessageDigest.getInstance("SHA-1").digest(m.get(1).compressed()));
        assertThat(apk.q1()).isEqualTo(q1).isEqualTo(pkg.q1());
        String datahash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(m.get(2).compressed()));
        assertThat(apk.datahash()).isEqualTo(datahash);

        String pkginfo = new String(entries(m.get(1).content()).get(".PKGINFO"), StandardCharsets.UTF_8);
        assertThat(pkginfo).contains("pkgname = hello\n", "pkgver = 1.2.3-r4\n", "arch = x86_64\n",
                "depend = so:libc.musl-x86_64.so.1\ndepend = foo>=1.2\ndepend = !bar\n",
                "provides = cmd:hello=1.2.3-r4\n", "size = " + apk.installedSize() + "\n");
        assertThat(pkginfo).endsWith("datahash = " + datahash + "\n");
    }

    @Test
    void signatureVerifiesWithThePublicKey() throws Exception {
        for (SignatureType type : SignatureType.values()) {
            BuiltApk apk = sample().build(TestKeys.primary(), type);
            List<GzipMembers.Member> m = GzipMembers.split(apk.bytes());
            Map<String, byte[]> sig = entries(m.get(0).content());
            String entry = type.entryPrefix() + "apkimg-unit-1.rsa.pub";
            assertThat(sig).containsOnlyKeys(entry);

            Signature v = Signature.getInstance(type.jcaAlgorithm());
            v.initVerify(TestKeys.primary().publicKey());
            v.update(m.get(1).compressed());
            assertThat(v.verify(sig.get(entry))).as(type.name()).isTrue();

            v.initVerify(TestKeys.secondary().publicKey());
            v.update(m.get(1).compressed());
            assertThat(v.verify(sig.get(entry))).as("other key").isFalse();
        }
    }

    @Test
    void controlAndSignatureTarsAreCutDataTarIsTerminated() {
        BuiltApk apk = sample().build(TestKeys.primary());
        List<GzipMembers.Member> m = GzipMembers.split(apk.bytes());
        byte[] sigTar = m.get(0).content();
        byte[] controlTar = m.get(1).content();
        byte[] dataTar = m.get(2).content();
        assertThat(sigTar.length).isEqualTo(512 + 512); // header + one 256-byte signature padded to a block
        assertThat(lastBlockIsZero(controlTar)).isFalse();
        assertThat(dataTar.length % 10240).isZero();
        assertThat(lastBlockIsZero(dataTar)).isTrue();
    }

    @Test
    void dataTarHasAbuildEntriesOrderAndChecksums() throws Exception {
        BuiltApk apk = sample().build(TestKeys.primary());
        byte[] dataTar = GzipMembers.split(apk.bytes()).get(2).content();
        List<String> names = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(dataTar))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                names.add(e.getName());
                byte[] content = in.readAllBytes();
                Map<String, String> pax = e.getExtraPaxHeaders();
                assertThat(e.getModTime().getTime()).isEqualTo(1700000000_000L);
                if (e.isSymbolicLink()) {
                    assertThat(pax.get("APK-TOOLS.checksum.SHA1")).isEqualTo(sha1Hex(e.getLinkName().getBytes()));
                } else if (e.isFile() && !e.isLink()) {
                    assertThat(pax.get("APK-TOOLS.checksum.SHA1")).isEqualTo(sha1Hex(content));
                } else {
                    assertThat(pax).doesNotContainKey("APK-TOOLS.checksum.SHA1");
                }
                switch (e.getName()) {
                    case "usr/bin/hello" -> {
                        assertThat(e.getMode() & 07777).isEqualTo(04755);
                        assertThat(e.getUserName()).isEqualTo("root");
                    }
                    case "usr/bin/hello2" -> {
                        assertThat(e.isLink()).isTrue();
                        assertThat(e.getLinkName()).isEqualTo("usr/bin/hello");
                    }
                    case "usr/bin/hi" -> assertThat(e.getLinkName()).isEqualTo("hello");
                    case "tmp/" -> assertThat(e.getMode() & 07777).isEqualTo(01777);
                    case "var/lib/hello/owned" -> {
                        assertThat(e.getLongUserId()).isEqualTo(1000);
                        assertThat(e.getLongGroupId()).isEqualTo(1001);
                        assertThat(e.getUserName()).isEmpty();
                    }
                    default -> { }
                }
            }
        }
        assertThat(names).containsExactly("etc/", "etc/hello.conf", "tmp/", "usr/", "usr/bin/", "usr/bin/abs",
                "usr/bin/hello", "usr/bin/hello2", "usr/bin/hi", "var/", "var/lib/", "var/lib/hello/",
                "var/lib/hello/owned");
        // commons-compress consumes the standard keys, so check GNU tar's atime/ctime overrides on the raw tar
        assertThat(indexOf(dataTar, "11 ctime=0\n11 atime=0\n".getBytes(StandardCharsets.US_ASCII))).isPositive();
        // the xattr value must survive byte for byte (binary PAX value), checked on the raw tar
        byte[] rec = TarBuilder.paxRecord("SCHILY.xattr.security.capability",
                new byte[] {1, 0, 0, 2, (byte) 0xff, 0, 0, 0});
        assertThat(indexOf(dataTar, rec)).isPositive();
        // installed size: root + 7 dirs, hello (1 block, counted once), conf (1), owned (2 blocks)
        assertThat(apk.installedSize()).isEqualTo(4096L * (1 + 7) + 4096 + 4096 + 8192);
    }

    @Test
    void sameInputSameBytes() {
        assertThat(sample().build(TestKeys.primary()).bytes()).isEqualTo(sample().build(TestKeys.primary()).bytes());
    }

    static Map<String, byte[]> entries(byte[] tar) throws Exception {
        Map<String, byte[]> out = new java.util.LinkedHashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                out.put(e.getName(), in.readAllBytes());
            }
        }
        return out;
    }

    private static boolean lastBlockIsZero(byte[] tar) {
        for (int i = tar.length - 512; i < tar.length; i++) {
            if (tar[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static String sha1Hex(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(b));
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
