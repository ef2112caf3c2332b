package dev.apkimg.testing;

/** The two v2 signature kinds apk-tools 2.x verifies; both are RSA PKCS#1 v1.5. */
public enum SignatureType {
    /** {@code .SIGN.RSA.<key>}: SHA-1, what abuild-sign writes by default. */
    RSA(".SIGN.RSA.", "SHA1withRSA"),
    /** {@code .SIGN.RSA256.<key>}: SHA-256. */
    RSA256(".SIGN.RSA256.", "SHA256withRSA");

    private final String entryPrefix;
    private final String jcaAlgorithm;

    SignatureType(String entryPrefix, String jcaAlgorithm) {
        this.entryPrefix = entryPrefix;
        this.jcaAlgorithm = jcaAlgorithm;
    }

    /** The tar entry name prefix, e.g. {@code .SIGN.RSA.}. */
    public String entryPrefix() {
        return entryPrefix;
    }

    /** The {@link java.security.Signature} algorithm name. */
    public String jcaAlgorithm() {
        return jcaAlgorithm;
    }
}
