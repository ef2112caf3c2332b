package dev.apkimg.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Signature;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestRepositoryTest {

    @Test
    void indexIsSignedAndListsPackagesInApkIndexFormat(@TempDir Path tmp) throws Exception {
        TestPackage a = TestPackage.builder("alpha", "1.0-r0").commit("abc123").providerPriority(10)
                .depends("beta>=2").provides("cmd:alpha=1.0-r0").installIf("beta", "gamma").replaces("old")
                .file("usr/bin/alpha", "a").build();
        TestPackage b = TestPackage.builder("beta", "2.0-r1").file("usr/share/beta", "b").build();
        TestPackage arm = TestPackage.builder("beta", "2.0-r1").arch("aarch64").file("usr/share/beta", "b").build();
        TestRepository.Written w = new TestRepository(TestKeys.primary()).add(b, a, arm).write(tmp);

        assertThat(tmp.resolve("x86_64/alpha-1.0-r0.apk")).exists();
        assertThat(tmp.resolve("aarch64/beta-2.0-r1.apk")).exists();
        List<GzipMembers.Member> m = GzipMembers.split(Files.readAllBytes(w.index("x86_64")));
        assertThat(m).hasSize(2);
        Map<String, byte[]> sig = TestPackageTest.entries(m.get(0).content());
        assertThat(sig).containsOnlyKeys(".SIGN.RSA.apkimg-unit-1.rsa.pub");
        Signature v = Signature.getInstance("SHA1withRSA");
        v.initVerify(TestKeys.primary().publicKey());
        v.update(m.get(1).compressed());
        assertThat(v.verify(sig.values().iterator().next())).isTrue();

        Map<String, byte[]> index = TestPackageTest.entries(m.get(1).content());
        assertThat(index.keySet()).containsExactly("DESCRIPTION", "APKINDEX");
        BuiltApk alpha = w.apk("x86_64", "alpha");
        String text = new String(index.get("APKINDEX"), StandardCharsets.UTF_8);
        assertThat(text).startsWith("C:" + alpha.q1() + "\nP:alpha\nV:1.0-r0\nA:x86_64\nS:" + alpha.size()
                + "\nI:" + alpha.installedSize() + "\nT:apkimg test package alpha\nU:https://apkimg.dev/test\nL:MIT\n"
                + "o:alpha\nm:apkimg tests <tests@apkimg.dev>\nt:1718000000\nc:abc123\nk:10\nD:beta>=2\n"
                + "p:cmd:alpha=1.0-r0\ni:beta gamma\n\nC:");
        assertThat(text).endsWith("P:beta\nV:2.0-r1\nA:x86_64\nS:" + w.apk("x86_64", "beta").size()
                + "\nI:" + w.apk("x86_64", "beta").installedSize()
                + "\nT:apkimg test package beta\nU:https://apkimg.dev/test\nL:MIT\no:beta\n"
                + "m:apkimg tests <tests@apkimg.dev>\nt:1718000000\n\n");
        assertThat(Files.readAllBytes(tmp.resolve("x86_64/alpha-1.0-r0.apk"))).isEqualTo(alpha.bytes());
    }

    @Test
    void negativeVariants(@TempDir Path tmp) throws Exception {
        TestPackage p = TestPackage.builder("p", "1-r0").file("etc/p", "content").build();

        Path unsigned = new TestRepository(TestKeys.primary()).add(p)
                .indexSignature(TestRepository.IndexSignature.UNSIGNED).write(tmp.resolve("u")).index("x86_64");
        assertThat(GzipMembers.split(Files.readAllBytes(unsigned))).hasSize(1);

        Path corrupt = new TestRepository(TestKeys.primary()).add(p)
                .indexSignature(TestRepository.IndexSignature.CORRUPT).write(tmp.resolve("c")).index("x86_64");
        List<GzipMembers.Member> m = GzipMembers.split(Files.readAllBytes(corrupt));
        Signature v = Signature.getInstance("SHA1withRSA");
        v.initVerify(TestKeys.primary().publicKey());
        v.update(m.get(1).compressed());
        assertThat(v.verify(TestPackageTest.entries(m.get(0).content()).values().iterator().next())).isFalse();

        TestRepository.Written t = new TestRepository(TestKeys.primary()).add(p)
                .tamper("p", TestRepository.Tamper.DATA).write(tmp.resolve("t"));
        List<GzipMembers.Member> apk = GzipMembers.split(Files.readAllBytes(tmp.resolve("t/x86_64/p-1-r0.apk")));
        assertThat(apk.get(1).compressed()).isEqualTo(t.apk("x86_64", "p").controlMember());
        assertThat(apk.get(2).compressed()).isNotEqualTo(t.apk("x86_64", "p").dataMember());

        new TestRepository(TestKeys.primary()).add(p).tamper("p", TestRepository.Tamper.CONTROL).write(tmp.resolve("k"));
        apk = GzipMembers.split(Files.readAllBytes(tmp.resolve("k/x86_64/p-1-r0.apk")));
        assertThat(apk.get(1).compressed()).isNotEqualTo(t.apk("x86_64", "p").controlMember());
    }

    @Test
    void loopbackServerServesGetAndHeadAndLogsRequests(@TempDir Path tmp) throws Exception {
        TestPackage p = TestPackage.builder("p", "1-r0").file("etc/p", "content").build();
        new TestRepository(TestKeys.primary()).add(p).write(tmp);
        HttpClient http = HttpClient.newHttpClient();
        try (LoopbackHttpServer server = LoopbackHttpServer.serve(tmp)) {
            assertThat(server.url()).isEqualTo("http://127.0.0.1:" + server.port() + "/");
            HttpResponse<byte[]> get = http.send(HttpRequest.newBuilder(URI.create(server.url() + "x86_64/p-1-r0.apk"))
                    .build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(get.statusCode()).isEqualTo(200);
            assertThat(get.body()).isEqualTo(Files.readAllBytes(tmp.resolve("x86_64/p-1-r0.apk")));

            HttpResponse<Void> head = http.send(HttpRequest.newBuilder(URI.create(server.url() + "x86_64/APKINDEX.tar.gz"))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
            assertThat(head.statusCode()).isEqualTo(200);
            assertThat(head.headers().firstValueAsLong("Content-Length"))
                    .hasValue(Files.size(tmp.resolve("x86_64/APKINDEX.tar.gz")));

            for (String missing : List.of("x86_64/nope.apk", "x86_64/", "%2e%2e/%2e%2e/etc/passwd")) {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(server.url() + missing)).build(),
                        HttpResponse.BodyHandlers.discarding());
                assertThat(r.statusCode()).as(missing).isEqualTo(404);
            }
            HttpResponse<Void> post = http.send(HttpRequest.newBuilder(URI.create(server.url() + "x86_64/p-1-r0.apk"))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.discarding());
            assertThat(post.statusCode()).isEqualTo(405);

            assertThat(server.requestedPaths()).startsWith("/x86_64/p-1-r0.apk", "/x86_64/APKINDEX.tar.gz");
            assertThat(server.requests().get(1)).isEqualTo(new LoopbackHttpServer.Request("HEAD", "/x86_64/APKINDEX.tar.gz"));
        }
    }
}
