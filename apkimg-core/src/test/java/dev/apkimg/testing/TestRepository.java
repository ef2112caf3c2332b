package dev.apkimg.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A signed apk repository as on an Alpine mirror: {@code ROOT/ARCH/NAME-VERSION.apk} and
 * {@code ROOT/ARCH/APKINDEX.tar.gz} as {@code apk index} and {@code abuild-sign} write it. The
 * index is two gzip members: a signature tar ({@code .SIGN.RSA.<key>} over the compressed bytes of
 * the second member) and a tar of {@code DESCRIPTION} and {@code APKINDEX}. The repository URL
 * (what {@code /etc/apk/repositories} names) is ROOT.
 *
 * <p>Negative tests can write the index unsigned, signed by another key, with a corrupted
 * signature, and packages whose bytes do not match the index.
 */
public final class TestRepository {
    /** How to sign APKINDEX.tar.gz. */
    public enum IndexSignature {
        /** Signed by the repository key (the default). */
        SIGNED,
        /** No signature member at all: the file is just the DESCRIPTION/APKINDEX tar. */
        UNSIGNED,
        /** Signed by the repository key, then one byte of the signature flipped. */
        CORRUPT
    }

    /** Ways to make a package file disagree with what the index says about it. */
    public enum Tamper {
        /**
         * One byte of the first file's content changed and the data member recompressed; signature
         * and control are kept, so the signature and {@code C:} still verify but {@code datahash} does not.
         */
        DATA,
        /**
         * The .PKGINFO description changed and the control member recompressed; the original
         * signature is kept, so the signature and the index checksum {@code C:} both fail.
         */
        CONTROL
    }

    /** The result of {@link #write}: what was written, per arch. */
    public record Written(Path root, Map<String, Path> indexes, Map<String, List<BuiltApk>> packages) {
        /** The index file of {@code arch}. */
        public Path index(String arch) {
            return indexes.get(arch);
        }

        /** The package named {@code name} for {@code arch} (first if several versions). */
        public BuiltApk apk(String arch, String name) {
            return packages.getOrDefault(arch, List.of()).stream().filter(b -> b.pkg().name().equals(name))
                    .findFirst().orElseThrow(() -> new IllegalArgumentException("no package " + name + " for " + arch));
        }
    }

    private final TestKey key;
    private final List<TestPackage> packages = new ArrayList<>();
    private final Map<String, Tamper> tampered = new HashMap<>();
    private String description = "apkimg test repository";
    private TestKey indexKey;
    private IndexSignature indexSignature = IndexSignature.SIGNED;
    private SignatureType packageSignatureType = SignatureType.RSA;
    private SignatureType indexSignatureType = SignatureType.RSA;
    private Long indexMtime;
    private java.util.function.UnaryOperator<String> indexEdit = java.util.function.UnaryOperator.identity();

    /** A repository whose packages and index are signed by {@code key}. */
    public TestRepository(TestKey key) {
        this.key = Objects.requireNonNull(key);
        this.indexKey = key;
    }

    public TestKey key() {
        return key;
    }

    /** Adds packages; each goes to the folder of its own arch. */
    public TestRepository add(TestPackage... pkgs) {
        packages.addAll(List.of(pkgs));
        return this;
    }

    /** The APKINDEX {@code DESCRIPTION} (apk index --description). */
    public TestRepository description(String v) {
        description = v;
        return this;
    }

    /** Signs the index with another key (e.g. one the test does not trust); packages keep the repository key. */
    public TestRepository indexSignedBy(TestKey other) {
        indexKey = Objects.requireNonNull(other);
        indexSignature = IndexSignature.SIGNED;
        return this;
    }

    public TestRepository indexSignature(IndexSignature v) {
        indexSignature = Objects.requireNonNull(v);
        return this;
    }

    /** {@code .SIGN.RSA.} (default) or {@code .SIGN.RSA256.} for the packages. */
    public TestRepository packageSignatureType(SignatureType v) {
        packageSignatureType = Objects.requireNonNull(v);
        return this;
    }

    /** {@code .SIGN.RSA.} (default) or {@code .SIGN.RSA256.} for the index. */
    public TestRepository indexSignatureType(SignatureType v) {
        indexSignatureType = Objects.requireNonNull(v);
        return this;
    }

    /** mtime of the index tar entries; apk index uses the current time, here the newest builddate by default. */
    public TestRepository indexMtime(long epochSeconds) {
        indexMtime = epochSeconds;
        return this;
    }

    /**
     * Edits the APKINDEX text before it is signed (hostile tests: a validly signed index that says
     * anything, e.g. {@code P:../../x}). Package files are still written under their own names.
     */
    public TestRepository editIndex(java.util.function.UnaryOperator<String> edit) {
        indexEdit = Objects.requireNonNull(edit);
        return this;
    }

    /** Writes the named package (all versions, all arches) so that it disagrees with the index. */
    public TestRepository tamper(String packageName, Tamper how) {
        tampered.put(packageName, Objects.requireNonNull(how));
        return this;
    }

    /** Writes the trusted public key into {@code dir} (an /etc/apk/keys) and returns its path. */
    public Path writeKeys(Path dir) throws IOException {
        return key.writePublicKey(dir);
    }

    /** Writes {@code root/ARCH/*.apk} and {@code root/ARCH/APKINDEX.tar.gz} for every arch present. */
    public Written write(Path root) throws IOException {
        Map<String, List<TestPackage>> byArch = new TreeMap<>();
        for (TestPackage p : packages) {
            byArch.computeIfAbsent(p.arch(), a -> new ArrayList<>()).add(p);
        }
        Map<String, Path> indexes = new LinkedHashMap<>();
        Map<String, List<BuiltApk>> built = new LinkedHashMap<>();
        for (Map.Entry<String, List<TestPackage>> e : byArch.entrySet()) {
            Path dir = root.resolve(e.getKey());
            Files.createDirectories(dir);
            List<BuiltApk> apks = new ArrayList<>();
            for (TestPackage p : e.getValue()) {
                BuiltApk apk = p.build(key, packageSignatureType);
                apks.add(apk);
                Tamper t = tampered.get(p.name());
                Files.write(dir.resolve(p.fileName()), t == null ? apk.bytes() : tamperedBytes(apk, t));
            }
            Path index = dir.resolve("APKINDEX.tar.gz");
            Files.write(index, indexBytes(apks));
            indexes.put(e.getKey(), index);
            built.put(e.getKey(), List.copyOf(apks));
        }
        return new Written(root, indexes, built);
    }

    /** The APKINDEX text for these packages, as apk index 2.14 writes it. */
    public static String apkindexText(List<BuiltApk> apks) {
        List<BuiltApk> sorted = new ArrayList<>(apks);
        // apk index writes packages ordered by name; versions of one name in the order given.
        sorted.sort(Comparator.comparing((BuiltApk b) -> b.pkg().name()));
        StringBuilder s = new StringBuilder();
        for (BuiltApk b : sorted) {
            TestPackage p = b.pkg();
            field(s, 'C', b.q1());
            field(s, 'P', p.name());
            field(s, 'V', p.version());
            field(s, 'A', p.arch());
            field(s, 'S', Long.toString(b.size()));
            field(s, 'I', Long.toString(b.installedSize()));
            field(s, 'T', p.description());
            field(s, 'U', p.url());
            field(s, 'L', p.license());
            field(s, 'o', p.origin());
            field(s, 'm', p.maintainer());
            field(s, 't', Long.toString(p.builddate()));
            field(s, 'c', p.commit());
            field(s, 'k', p.providerPriority() == null ? null : p.providerPriority().toString());
            // apk index writes depends, provides and install_if; replaces stay out of APKINDEX
            // (Alpine's own indexes have no r: lines; apk reads replaces from .PKGINFO at install).
            field(s, 'D', p.depends().isEmpty() ? null : String.join(" ", p.depends()));
            field(s, 'p', p.provides().isEmpty() ? null : String.join(" ", p.provides()));
            field(s, 'i', p.installIf().isEmpty() ? null : String.join(" ", p.installIf()));
            s.append('\n');
        }
        return s.toString();
    }

    private byte[] indexBytes(List<BuiltApk> apks) {
        long mtime = indexMtime != null ? indexMtime
                : apks.stream().mapToLong(b -> b.pkg().builddate()).max().orElse(0);
        byte[] desc = description.getBytes(StandardCharsets.UTF_8);
        byte[] text = indexEdit.apply(apkindexText(apks)).getBytes(StandardCharsets.UTF_8);
        // apk-tools' own tar writer: GNU magic, owner root, with the end-of-archive blocks.
        byte[] tar = new TarBuilder()
                .header(TarBuilder.Dialect.APK, "DESCRIPTION", 0644, 0, 0, desc.length, mtime, '0', new byte[0],
                        "root", "root")
                .content(desc)
                .header(TarBuilder.Dialect.APK, "APKINDEX", 0644, 0, 0, text.length, mtime, '0', new byte[0],
                        "root", "root")
                .content(text)
                .endOfArchive()
                .toByteArray();
        byte[] indexMember = GzipMembers.gzip(tar);
        if (indexSignature == IndexSignature.UNSIGNED) {
            return indexMember;
        }
        byte[] sig = indexKey.sign(indexSignatureType, indexMember);
        if (indexSignature == IndexSignature.CORRUPT) {
            sig[sig.length / 2] ^= 0x5a;
        }
        return concat(TestPackage.signatureMember(indexSignatureType, indexKey, sig, mtime), indexMember);
    }

    private static byte[] tamperedBytes(BuiltApk apk, Tamper how) {
        List<GzipMembers.Member> m = GzipMembers.split(apk.bytes());
        byte[] sig = m.get(0).compressed();
        byte[] control = m.get(1).compressed();
        byte[] data = m.get(2).compressed();
        switch (how) {
            case DATA -> {
                TestPackage.Entry file = apk.pkg().entries().stream()
                        .filter(e -> e.kind() == TestPackage.Kind.FILE && e.content().length > 0).findFirst()
                        .orElseThrow(() -> new IllegalArgumentException(
                                "tampering data needs a non-empty regular file in " + apk.fileName()));
                byte[] tar = m.get(2).content();
                int at = indexOf(tar, file.content());
                tar[at] ^= 0x01;
                data = GzipMembers.gzip(tar);
            }
            case CONTROL -> {
                byte[] tar = m.get(1).content();
                byte[] needle = ("pkgdesc = " + apk.pkg().description()).getBytes(StandardCharsets.UTF_8);
                int at = indexOf(tar, needle);
                tar[at + needle.length - 1] ^= 0x01; // same length: the tar stays well-formed (content is not in the header checksum)
                control = GzipMembers.gzip(tar);
            }
            default -> throw new IllegalStateException();
        }
        return concat(sig, control, data);
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalStateException("content not found in tar");
    }

    private static void field(StringBuilder s, char key, String value) {
        if (value != null) {
            s.append(key).append(':').append(value).append('\n');
        }
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] r = new byte[n];
        int off = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, r, off, p.length);
            off += p.length;
        }
        return r;
    }
}
