package dev.apkimg.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;
import java.util.Objects;

/**
 * An RSA key pair with the file name Alpine gives it (e.g. {@code apkimg-unit-1.rsa.pub}). The
 * name is what signatures refer to ({@code .SIGN.RSA.<name>}) and what apk looks up in its keys
 * directory, so it always ends in {@code .rsa.pub}.
 */
public final class TestKey {
    private final String name;
    private final KeyPair keyPair;

    public TestKey(String name, KeyPair keyPair) {
        if (!name.endsWith(".rsa.pub") || name.contains("/")) {
            throw new IllegalArgumentException("key name must be a file name ending in .rsa.pub: " + name);
        }
        this.name = name;
        this.keyPair = Objects.requireNonNull(keyPair);
    }

    /** The key file name, e.g. {@code apkimg-unit-1.rsa.pub}. */
    public String name() {
        return name;
    }

    public RSAPublicKey publicKey() {
        return (RSAPublicKey) keyPair.getPublic();
    }

    public PrivateKey privateKey() {
        return keyPair.getPrivate();
    }

    /** The public key as Alpine ships it: PEM of the X.509 SubjectPublicKeyInfo, 64 columns. */
    public String publicKeyPem() {
        String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(keyPair.getPublic().getEncoded());
        return "-----BEGIN PUBLIC KEY-----\n" + b64 + "\n-----END PUBLIC KEY-----\n";
    }

    /** Writes {@code dir/<name>} (creating dir) and returns its path. */
    public Path writePublicKey(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(name);
        Files.writeString(file, publicKeyPem(), StandardCharsets.US_ASCII);
        return file;
    }

    /** RSA PKCS#1 v1.5 signature of {@code data} with the digest of {@code type}. */
    public byte[] sign(SignatureType type, byte[] data) {
        try {
            Signature s = Signature.getInstance(type.jcaAlgorithm());
            s.initSign(keyPair.getPrivate());
            s.update(data);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "TestKey[" + name + "]";
    }
}
