package dev.apkimg.testing;

import java.util.Arrays;

/**
 * A package as written: the file bytes and the values an index or a verifier derives from them.
 *
 * @param pkg              the package description it was made from
 * @param bytes            the whole .apk: signature, control and data gzip members concatenated
 * @param signatureMember  the first gzip member (tar with the {@code .SIGN.*} entry)
 * @param controlMember    the second gzip member (tar with .PKGINFO and scripts), the bytes
 *                         that are signed and that the index checksum covers
 * @param dataMember       the third gzip member (the file system tar)
 * @param q1               {@code "Q1" + base64(sha1(controlMember))}, the APKINDEX {@code C:} value
 * @param datahash         hex sha256 of {@code dataMember}, the .PKGINFO {@code datahash}
 * @param installedSize    the .PKGINFO {@code size} / APKINDEX {@code I:} value
 */
public record BuiltApk(TestPackage pkg, byte[] bytes, byte[] signatureMember, byte[] controlMember,
        byte[] dataMember, String q1, String datahash, long installedSize) {

    /** The file size, the APKINDEX {@code S:} value. */
    public long size() {
        return bytes.length;
    }

    /** {@code NAME-VERSION.apk}, the file name in a repository. */
    public String fileName() {
        return pkg.fileName();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BuiltApk b && Arrays.equals(bytes, b.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "BuiltApk[" + fileName() + ", " + bytes.length + " bytes, " + q1 + "]";
    }
}
