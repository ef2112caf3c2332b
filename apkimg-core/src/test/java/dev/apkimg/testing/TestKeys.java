package dev.apkimg.testing;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * RSA 2048 test keys. Generating one takes a noticeable fraction of a second, so the two
 * standard keys are made once per JVM and shared by all tests.
 */
public final class TestKeys {
    private static final AtomicInteger SERIAL = new AtomicInteger(2);

    private TestKeys() {
    }

    // Holder idioms: each key is generated on first use only.
    private static final class Primary {
        static final TestKey KEY = generate("apkimg-unit-1.rsa.pub");
    }

    private static final class Secondary {
        static final TestKey KEY = generate("apkimg-unit-2.rsa.pub");
    }

    /** The key tests sign with and trust by default: {@code apkimg-unit-1.rsa.pub}. */
    public static TestKey primary() {
        return Primary.KEY;
    }

    /** A second, distinct key ({@code apkimg-unit-2.rsa.pub}), e.g. for "signed by an untrusted key". */
    public static TestKey secondary() {
        return Secondary.KEY;
    }

    /** A fresh key with a new name ({@code apkimg-unit-N.rsa.pub}, N > 2). Not cached. */
    public static TestKey fresh() {
        return generate("apkimg-unit-" + SERIAL.incrementAndGet() + ".rsa.pub");
    }

    /** A fresh RSA 2048 key pair with the given key file name. */
    public static TestKey generate(String keyName) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            KeyPair kp = g.generateKeyPair();
            return new TestKey(keyName, kp);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
