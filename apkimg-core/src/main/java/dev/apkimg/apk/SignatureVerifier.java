package dev.apkimg.apk;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Optional;

/**
 * apk's v2 signatures: a tar entry {@code .SIGN.RSA.<key>} (RSA PKCS#1 v1.5 over SHA-1) or
 * {@code .SIGN.RSA256.<key>} (over SHA-256), signing the compressed bytes of the stream that
 * follows. The verifier is fed those bytes as they pass, so nothing is buffered.
 */
public final class SignatureVerifier {
  private static final String RSA_SHA1 = ".SIGN.RSA.";
  private static final String RSA_SHA256 = ".SIGN.RSA256.";

  private final String keyName;
  private final byte[] signature;
  private final Signature verifier;

  private SignatureVerifier(String keyName, byte[] signature, Signature verifier) {
    this.keyName = keyName;
    this.signature = signature;
    this.verifier = verifier;
  }

  /** True for the tar entry names that carry a signature this verifier understands. */
  public static boolean isSignatureEntry(String entryName) {
    return entryName.startsWith(RSA_SHA1) || entryName.startsWith(RSA_SHA256);
  }

  /** The key name a signature entry names. */
  public static String keyNameOf(String entryName) {
    return entryName.startsWith(RSA_SHA256)
        ? entryName.substring(RSA_SHA256.length())
        : entryName.substring(RSA_SHA1.length());
  }

  /**
   * A verifier for one signature entry, or empty if no trusted key has that name (apk then
   * tries the next signature entry, as do we).
   */
  public static Optional<SignatureVerifier> forEntry(String entryName, byte[] signature, KeyLookup keys) {
    String keyName = keyNameOf(entryName);
    Optional<PublicKey> key = keys.find(keyName);
    if (key.isEmpty()) {
      return Optional.empty();
    }
    String algorithm = entryName.startsWith(RSA_SHA256) ? "SHA256withRSA" : "SHA1withRSA";
    try {
      Signature s = Signature.getInstance(algorithm);
      s.initVerify(key.get());
      return Optional.of(new SignatureVerifier(keyName, signature, s));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot verify with key " + keyName + ": " + e.getMessage(), e);
    }
  }

  public String keyName() {
    return keyName;
  }

  /** A {@link java.security.MessageDigest}-like sink: feed it the signed bytes. */
  public void update(byte[] b, int off, int len) {
    try {
      verifier.update(b, off, len);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public boolean verify() {
    try {
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  @Override
  public String toString() {
    return "signature by " + new String(keyName.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
  }
}
