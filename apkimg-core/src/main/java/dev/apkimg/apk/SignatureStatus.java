package dev.apkimg.apk;

/** The outcome of checking an apk v2 signature, with the key it names. */
public record SignatureStatus(Kind kind, String keyName) {
  public enum Kind {
    /** Signed by a trusted key and the signature holds. */
    VERIFIED,
    /** No signature entry at all. */
    UNSIGNED,
    /** Signed, but by no key in the keyring. */
    UNTRUSTED_KEY,
    /** Signed by a trusted key, but the signature does not match the content. */
    BAD_SIGNATURE
  }

  public static SignatureStatus verified(String keyName) {
    return new SignatureStatus(Kind.VERIFIED, keyName);
  }

  public static SignatureStatus unsigned() {
    return new SignatureStatus(Kind.UNSIGNED, null);
  }

  public boolean isVerified() {
    return kind == Kind.VERIFIED;
  }

  /** A phrase for messages: "is not signed", "is signed by unknown key X", ... */
  public String describe() {
    return switch (kind) {
      case VERIFIED -> "is signed by " + keyName;
      case UNSIGNED -> "is not signed";
      case UNTRUSTED_KEY -> "is signed by " + keyName + ", which is not in the keyring";
      case BAD_SIGNATURE -> "has a signature by " + keyName + " that does not match its content";
    };
  }
}
