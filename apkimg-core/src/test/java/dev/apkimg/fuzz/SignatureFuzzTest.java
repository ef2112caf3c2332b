package dev.apkimg.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apkimg.apk.SignatureVerifier;
import dev.apkimg.testing.BuiltApk;
import dev.apkimg.testing.GzipMembers;
import dev.apkimg.testing.SignatureType;
import dev.apkimg.testing.TestKeys;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Signatures: {@link SignatureVerifier} on mutated entry names and signature bytes (it answers
 * true or false and never throws; a signature changed in any byte never verifies), and the
 * signature stream of a package with its tar mutated (read or refused with {@link IOException}).
 */
class SignatureFuzzTest {
  private static final String[] ENTRY_NAMES = {".SIGN.RSA.", ".SIGN.RSA256.", ".SIGN.RSA", ".SIGN.DSA.x",
      ".SIGN.RSA.apkimg-unit-1.rsa.pub", ".SIGN.RSA256.apkimg-unit-1.rsa.pub", ".SIGN.RSA.apkimg-unit-2.rsa.pub",
      ".SIGN.RSA../../apkimg-unit-1.rsa.pub", ".SIGN.RSA.\u0000"};

  /** Input: 2-byte name length, the entry name, the signature bytes; the signed data is fixed. */
  private static byte[] encode(String name, byte[] sig) {
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(2 + n.length + sig.length).putShort((short) n.length).put(n).put(sig).array();
  }

  @Test
  void signatureEntries() throws Exception {
    BuiltApk apk = ApkPackageFuzzTest.pkg().build(TestKeys.primary());
    byte[] signed = apk.controlMember();
    byte[] sha1 = TestKeys.primary().sign(SignatureType.RSA, signed);
    byte[] sha256 = TestKeys.primary().sign(SignatureType.RSA256, signed);
    List<byte[]> genuine = List.of(sha1, sha256);
    List<byte[]> seeds = List.of(encode(".SIGN.RSA.apkimg-unit-1.rsa.pub", sha1),
        encode(".SIGN.RSA256.apkimg-unit-1.rsa.pub", sha256));
    Fuzzer.of("signature", IOException.class).run(seeds,
        (seed, r, corpus) -> {
          ByteBuffer b = ByteBuffer.wrap(seed);
          String name = new String(seed, 2, b.getShort(), StandardCharsets.UTF_8);
          byte[] sig = Arrays.copyOfRange(seed, 2 + name.getBytes(StandardCharsets.UTF_8).length, seed.length);
          if (r.nextInt(3) == 0) {
            name = ENTRY_NAMES[r.nextInt(ENTRY_NAMES.length)];
          }
          if (r.nextInt(4) != 0) {
            sig = Mutations.bytes(sig, r, genuine);
          }
          return encode(name, sig);
        },
        input -> {
          ByteBuffer b = ByteBuffer.wrap(input);
          int len = b.getShort();
          String name = new String(input, 2, len, StandardCharsets.UTF_8);
          byte[] sig = Arrays.copyOfRange(input, 2 + len, input.length);
          if (!SignatureVerifier.isSignatureEntry(name)) {
            return;
          }
          SignatureVerifier.keyNameOf(name);
          Optional<SignatureVerifier> v = SignatureVerifier.forEntry(name, sig, ApkIndexFuzzTest.TRUST_PRIMARY);
          if (v.isPresent()) {
            v.get().update(signed, 0, signed.length);
            boolean ok = v.get().verify();
            if (ok && genuine.stream().noneMatch(g -> Arrays.equals(g, sig))) {
              throw new AssertionError("a changed signature verified: " + name);
            }
          }
        });
  }

  @Test
  void packageSignatureStream() throws Exception {
    BuiltApk apk = ApkPackageFuzzTest.pkg().build(TestKeys.primary(), SignatureType.RSA256);
    byte[] sigTar = GzipMembers.split(apk.signatureMember()).get(0).content();
    byte[] rest = Mutations.concat(apk.controlMember(), apk.dataMember());
    assertThat(sigTar).isNotEmpty();
    Fuzzer.of("signature-stream", IOException.class).run(List.of(sigTar),
        (seed, r, corpus) -> Mutations.tar(seed, r, corpus),
        input -> ApkPackageFuzzTest.read(Mutations.concat(GzipMembers.gzip(input), rest)));
  }

  /** The input is the signature stream's tar of a package signed by a trusted key. */
  /**
   * Trusted keys as PEM ({@code contents.keyring}, files or URLs): the DER inside mutated (and
   * encoded again, so the mutation reaches the key parser), or the PEM text itself.
   */
  @Test
  void publicKeys() throws Exception {
    byte[] der = TestKeys.primary().publicKey().getEncoded();
    List<byte[]> seeds = List.of(TestKeys.primary().publicKeyPem().getBytes(StandardCharsets.US_ASCII));
    Fuzzer.of("public-key", dev.apkimg.ApkimgException.class).run(seeds,
        (seed, r, corpus) -> r.nextBoolean() ? Mutations.bytes(seed, r, corpus)
            : ("-----BEGIN PUBLIC KEY-----\n" + java.util.Base64.getMimeEncoder().encodeToString(
                Mutations.bytes(der, r, List.of(der))) + "\n-----END PUBLIC KEY-----\n")
                .getBytes(StandardCharsets.US_ASCII),
        input -> dev.apkimg.repo.Keyring.parsePem(input, "fuzz.rsa.pub"));
  }

  // An input the fuzzer found: BEGIN and END lines sharing their dashes made a negative range.
  @Test
  void pemWhoseEndOverlapsItsBeginIsRefused() {
    byte[] pem = "-----BEGIN PUBLIC KEY-----END PUBLIC KEY-----\n".getBytes(StandardCharsets.US_ASCII);
    assertThatThrownBy(() -> dev.apkimg.repo.Keyring.parsePem(pem, "k.rsa.pub"))
        .isInstanceOf(dev.apkimg.ApkimgException.class)
        .hasMessage("key k.rsa.pub is not a PEM public key (-----BEGIN PUBLIC KEY-----)");
  }

  @BeforeAll
  static void jazzerSeeds() throws Exception {
    BuiltApk apk = ApkPackageFuzzTest.pkg().build(TestKeys.primary());
    Fuzzer.seedJazzerCorpus(SignatureFuzzTest.class, "packageSignatureStreamCoverageGuided",
        List.of(GzipMembers.split(apk.signatureMember()).get(0).content()));
  }

  @CoverageGuided
  void packageSignatureStreamCoverageGuided(byte[] input) throws Exception {
    BuiltApk apk = ApkPackageFuzzTest.pkg().build(TestKeys.primary());
    byte[] rest = Mutations.concat(apk.controlMember(), apk.dataMember());
    Fuzzer.once(input, in -> ApkPackageFuzzTest.read(Mutations.concat(GzipMembers.gzip(in), rest)),
        IOException.class);
  }
}
