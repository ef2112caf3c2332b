package dev.apkimg.apk;

import java.security.PublicKey;
import java.util.Optional;

/** Finds a trusted public key by the name a signature gives ({@code .SIGN.RSA.<name>}). */
@FunctionalInterface
public interface KeyLookup {
  Optional<PublicKey> find(String keyName);
}
