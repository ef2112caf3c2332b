package dev.apkimg.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proof that {@link TestPackage} and {@link TestRepository} make real packages: the real
 * apk-tools (../shared/tools/apk-oracle, root only) verifies their signatures, resolves and
 * installs them, and refuses an index signed by a key it does not trust.
 */
class TestRepositoryOracleIT {
    private static final byte[] TOOL = "#!/bin/sh\necho unit-tool\n".getBytes(StandardCharsets.UTF_8);

    private Path oracle;

    @BeforeEach
    void prerequisites() {
        Prerequisites.requireRoot();
        Path fixtures = Prerequisites.requireSharedFixtures();
        oracle = fixtures.resolveSibling("tools").resolve("apk-oracle");
        Prerequisites.requireCommand(oracle.toString());
    }

    static List<TestPackage> packages() {
        TestPackage lib = TestPackage.builder("unit-libfoo", "1.0-r0")
                .provides("so:libunitfoo.so.1=1")
                .file("usr/lib/libunitfoo.so.1", "not really a library\n")
                .build();
        TestPackage base = TestPackage.builder("unit-base", "1.0-r0")
                .depends("so:libunitfoo.so.1")
                .provides("cmd:unit-tool=1.0-r0")
                .file("usr/bin/unit-tool", TOOL, 0755)
                .file("usr/bin/unit-suid", TOOL, 04755)
                .file("var/lib/unit/owned", "owned by 1000\n".getBytes(StandardCharsets.UTF_8), 0640, 1000, 1000)
                .symlink("usr/bin/unit-rel", "unit-tool")
                .symlink("etc/unit-abs", "/usr/bin/unit-tool")
                .hardlink("usr/bin/unit-hard", "usr/bin/unit-tool")
                .dir("var/unit-tmp", 01777)
                .build();
        TestPackage app = TestPackage.builder("unit-app", "2.1-r3")
                .depends("unit-base>=1.0")
                .file("etc/unit-app.conf", "answer=42\n")
                .postInstall("#!/bin/sh\necho unit-app installed\n")
                .build();
        return List.of(lib, base, app);
    }

    @Test
    void apkToolsResolvesAndInstallsOurPackages(@TempDir Path tmp) throws Exception {
        TestRepository repo = new TestRepository(TestKeys.primary());
        packages().forEach(repo::add);
        Path root = tmp.resolve("repo");
        repo.write(root);
        Path keys = tmp.resolve("keys");
        repo.writeKeys(keys);

        Result resolve = run(oracle.toString(), "resolve", root.toString(), "x86_64", keys.toString(), "unit-app");
        assertThat(resolve.exit).as(resolve.output).isZero();
        assertThat(resolve.output.lines().toList()).as(resolve.output)
                .containsExactly("unit-libfoo 1.0-r0", "unit-base 1.0-r0", "unit-app 2.1-r3");

        Path out = tmp.resolve("out");
        Result install = run(oracle.toString(), "install", root.toString(), "x86_64", keys.toString(), out.toString(),
                "unit-app");
        assertThat(install.output).as(install.output).doesNotContainIgnoringCase("untrusted")
                .doesNotContain("BAD signature");
        assertThat(install.output).contains("Installing unit-base (1.0-r0)", "Installing unit-app (2.1-r3)");
        // apk ran our .post-install; in a root with no /bin/sh its interpreter is missing (exit 127),
        // which is the only error: signatures, checksums and files were all accepted.
        assertThat(install.output).contains("Executing unit-app-2.1-r3.post-install");
        assertThat(install.output.lines().filter(l -> l.startsWith("ERROR")).toList())
                .containsExactly("ERROR: unit-app-2.1-r3.post-install: script exited with error 127");

        assertThat(out.resolve("usr/bin/unit-tool")).hasBinaryContent(TOOL);
        assertThat(Files.getPosixFilePermissions(out.resolve("usr/bin/unit-tool")))
                .contains(PosixFilePermission.OWNER_EXECUTE);
        assertThat((int) Files.getAttribute(out.resolve("usr/bin/unit-suid"), "unix:mode") & 07777).isEqualTo(04755);
        assertThat((int) Files.getAttribute(out.resolve("var/unit-tmp"), "unix:mode") & 07777).isEqualTo(01777);
        assertThat((int) Files.getAttribute(out.resolve("var/lib/unit/owned"), "unix:uid")).isEqualTo(1000);
        assertThat(Files.readSymbolicLink(out.resolve("usr/bin/unit-rel"))).isEqualTo(Path.of("unit-tool"));
        assertThat(Files.readSymbolicLink(out.resolve("etc/unit-abs"))).isEqualTo(Path.of("/usr/bin/unit-tool"));
        assertThat(Files.getAttribute(out.resolve("usr/bin/unit-hard"), "unix:ino"))
                .isEqualTo(Files.getAttribute(out.resolve("usr/bin/unit-tool"), "unix:ino"));
        assertThat(out.resolve("etc/unit-app.conf")).hasContent("answer=42");
        assertThat(out.resolve("usr/lib/libunitfoo.so.1")).exists();

        String installed = Files.readString(out.resolve("lib/apk/db/installed"));
        assertThat(installed).contains("P:unit-libfoo\nV:1.0-r0\n", "P:unit-base\nV:1.0-r0\n", "P:unit-app\nV:2.1-r3\n");
        // apk records our Q1 checksum: it read the same control member bytes we computed.
        BuiltApk app = packages().get(2).build(TestKeys.primary());
        assertThat(installed).contains("C:" + app.q1() + "\nP:unit-app\n");
        assertThat(Files.exists(out.resolve("lib/apk/db/scripts.tar"), LinkOption.NOFOLLOW_LINKS)).isTrue();
    }

    @Test
    void apkToolsAcceptsSha256Signatures(@TempDir Path tmp) throws Exception {
        TestRepository repo = new TestRepository(TestKeys.primary())
                .packageSignatureType(SignatureType.RSA256).indexSignatureType(SignatureType.RSA256);
        packages().forEach(repo::add);
        Path root = tmp.resolve("repo");
        repo.write(root);
        Path keys = tmp.resolve("keys");
        repo.writeKeys(keys);
        Path out = tmp.resolve("out");
        Result install = run(oracle.toString(), "install", root.toString(), "x86_64", keys.toString(), out.toString(),
                "unit-base");
        assertThat(install.output).contains("Installing unit-base (1.0-r0)").doesNotContainIgnoringCase("untrusted");
        assertThat(out.resolve("usr/bin/unit-tool")).hasBinaryContent(TOOL);
    }

    @Test
    void apkToolsRefusesAnIndexSignedByAnUntrustedKey(@TempDir Path tmp) throws Exception {
        TestRepository repo = new TestRepository(TestKeys.primary()).indexSignedBy(TestKeys.secondary());
        packages().forEach(repo::add);
        Path root = tmp.resolve("repo");
        repo.write(root);
        Path keys = tmp.resolve("keys");
        repo.writeKeys(keys); // trusts only the primary key

        Result resolve = run(oracle.toString(), "resolve", root.toString(), "x86_64", keys.toString(), "unit-app");
        // apk skips an index it cannot verify (the oracle shows only its ERROR lines), so nothing is found.
        assertThat(resolve.output).as(resolve.output).contains("unit-app (no such package)")
                .doesNotContain("unit-app 2.1-r3");

        // Control: the same index is accepted once its signer is trusted.
        Path otherKeys = tmp.resolve("other-keys");
        TestKeys.secondary().writePublicKey(otherKeys);
        Result trusted = run(oracle.toString(), "resolve", root.toString(), "x86_64", otherKeys.toString(), "unit-app");
        assertThat(trusted.output.lines().toList()).as(trusted.output)
                .containsExactly("unit-libfoo 1.0-r0", "unit-base 1.0-r0", "unit-app 2.1-r3");
    }

    @Test
    void apkToolsRefusesATamperedPackage(@TempDir Path tmp) throws Exception {
        TestRepository repo = new TestRepository(TestKeys.primary()).tamper("unit-libfoo", TestRepository.Tamper.DATA);
        packages().forEach(repo::add);
        Path root = tmp.resolve("repo");
        repo.write(root);
        Path keys = tmp.resolve("keys");
        repo.writeKeys(keys);
        Path out = tmp.resolve("out");
        Result install = run(oracle.toString(), "install", root.toString(), "x86_64", keys.toString(), out.toString(),
                "unit-libfoo");
        // apk 2 reports a data stream that does not match the signed datahash as a bad signature.
        assertThat(install.exit).as(install.output).isNotZero();
        assertThat(install.output).contains("ERROR: unit-libfoo-1.0-r0: BAD signature");
        assertThat(out.resolve("usr/lib/libunitfoo.so.1")).doesNotExist();
    }

    private record Result(int exit, String output) {
    }

    private static Result run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(new ArrayList<>(List.of(cmd))).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + String.join(" ", cmd) + "\n" + output);
        }
        return new Result(p.exitValue(), output);
    }

}
