package dev.apkimg.rootfs;

import dev.apkimg.ApkimgException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Adds certificates to a Java trust store in JKS form (Wolfi's and p11-kit's {@code cacerts}, the
 * only form apko edits), with the JRE's default password {@code changeit}.
 *
 * <p>The JDK reads the store (which checks its integrity), but the file is written here: the
 * JDK's {@code KeyStore.store} dates each new entry with the current time and PKCS12 output
 * with random salts, and an image must be the same bytes on every build. Entries are written in
 * alias order (as apko does), existing ones with their own dates, new ones with the build time.
 * A PKCS12 or JCEKS store, or one holding private keys, is refused rather than changed in a way
 * that differs from build to build.
 */
final class JavaTrustStore {
  private static final char[] PASSWORD = "changeit".toCharArray();
  private static final int JKS_MAGIC = 0xFEEDFEED;
  private static final int JCEKS_MAGIC = 0xCECECECE;
  private static final int TRUSTED_CERTIFICATE = 2;

  private JavaTrustStore() {}

  private record Entry(long date, String type, byte[] der) {}

  /** {@code store} (the file at {@code path}) with {@code certificates} added; a same alias is replaced. */
  static byte[] withCertificates(String path, byte[] store, List<CaCertificates.Certificate> certificates, long dateMillis) {
    int magic = store.length < 4 ? 0 : ((store[0] & 0xff) << 24) | ((store[1] & 0xff) << 16) | ((store[2] & 0xff) << 8)
        | (store[3] & 0xff);
    if (magic != JKS_MAGIC) {
      String form = magic == JCEKS_MAGIC ? "a JCEKS key store" : store.length > 0 && store[0] == 0x30
          ? "a PKCS12 key store" : "not a Java key store";
      throw new ApkimgException("certificates: " + path + " is " + form + "; apkimg adds certificates only to a JKS"
          + " trust store (as apko does), because other forms cannot be written the same on every build");
    }
    Map<String, Entry> entries = new TreeMap<>();
    try {
      KeyStore ks = KeyStore.getInstance("JKS");
      ks.load(new ByteArrayInputStream(store), PASSWORD);
      for (String alias : Collections.list(ks.aliases())) {
        if (!ks.isCertificateEntry(alias)) {
          throw new ApkimgException("certificates: " + path + " holds a private key ('" + alias
              + "'), so it is not a trust store; apkimg does not change it");
        }
        Certificate c = ks.getCertificate(alias);
        entries.put(alias, new Entry(ks.getCreationDate(alias).getTime(), c.getType(), c.getEncoded()));
      }
    } catch (IOException | GeneralSecurityException e) {
      throw new ApkimgException("certificates: cannot read the Java trust store " + path + " with the password"
          + " changeit: " + e.getMessage());
    }
    for (CaCertificates.Certificate c : certificates) {
      entries.put(c.alias(), new Entry(dateMillis, "X.509", c.der()));
    }
    return write(entries);
  }

  /**
   * A new trust store holding {@code certificates} (alias to DER), each dated {@code dateMillis}:
   * what p11-kit's {@code trust extract --format=java-cacerts} writes, in alias order.
   */
  static byte[] of(Map<String, byte[]> certificates, long dateMillis) {
    Map<String, Entry> entries = new TreeMap<>();
    certificates.forEach((alias, der) -> entries.put(alias, new Entry(dateMillis, "X.509", der)));
    return write(entries);
  }

  /** The JKS file format: header, entries, then a SHA-1 over the password, a fixed phrase and all of that. */
  private static byte[] write(Map<String, Entry> entries) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeInt(JKS_MAGIC);
      out.writeInt(2);
      out.writeInt(entries.size());
      for (Map.Entry<String, Entry> e : entries.entrySet()) {
        out.writeInt(TRUSTED_CERTIFICATE);
        out.writeUTF(e.getKey());
        out.writeLong(e.getValue().date());
        out.writeUTF(e.getValue().type());
        out.writeInt(e.getValue().der().length);
        out.write(e.getValue().der());
      }
      out.flush();
      MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
      for (char c : PASSWORD) {
        sha1.update((byte) (c >> 8));
        sha1.update((byte) c);
      }
      sha1.update("Mighty Aphrodite".getBytes(StandardCharsets.UTF_8));
      sha1.update(bytes.toByteArray());
      out.write(sha1.digest());
      out.flush();
      return bytes.toByteArray();
    } catch (IOException | java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
