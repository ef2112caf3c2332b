package dev.apkimg.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * Self-signed certificates made by the JDK's {@code keytool} (in a process, as the JDK has no
 * public API to sign one), once per common name and JVM, as PEM text.
 */
public final class TestCertificates {
  private static final Map<String, String> MADE = new ConcurrentHashMap<>();

  private TestCertificates() {}

  /** A self-signed CA certificate for {@code CN=commonName}, as one PEM block with a trailing newline. */
  public static String selfSigned(String commonName) {
    return MADE.computeIfAbsent(commonName, TestCertificates::make);
  }

  /**
   * A self-signed certificate for {@code CN=commonName} with the keytool {@code -ext} options
   * given instead of {@code bc:c} (none: no extension but the key identifier, so not a CA).
   */
  public static String selfSigned(String commonName, List<String> extensions) {
    return MADE.computeIfAbsent(commonName + "\u0000" + String.join(",", extensions),
        k -> make(commonName, extensions));
  }

  /**
   * A TLS server context with a new self-signed certificate for {@code CN=commonName} (also naming
   * 127.0.0.1 and localhost), as a local registry has one: clients that check certificates refuse it.
   */
  public static SSLContext selfSignedServer(String commonName) {
    try {
      Path dir = Files.createTempDirectory("apkimg-tls");
      Path store = dir.resolve("server.p12");
      try {
        keytool(List.of("-genkeypair", "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", "changeit",
            "-alias", "server", "-dname", "CN=" + commonName, "-keyalg", "EC", "-groupname", "secp256r1",
            "-validity", "3650", "-ext", "san=ip:127.0.0.1,dns:localhost"));
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
          keys.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(keys, "changeit".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(factory.getKeyManagers(), null, null);
        return context;
      } finally {
        Files.deleteIfExists(store);
        Files.deleteIfExists(dir);
      }
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The certificate of a PEM block. */
  public static X509Certificate parse(String pem) {
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    } catch (CertificateException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Runs the JDK's keytool with {@code args}; its output, or an exception with its output. */
  public static String keytool(List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(args);
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("keytool " + args + " failed: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String make(String commonName) {
    return make(commonName, List.of("bc:c"));
  }

  private static String make(String commonName, List<String> extensions) {
    try {
      Path dir = Files.createTempDirectory("apkimg-cert");
      Path store = dir.resolve("ca.p12");
      try {
        List<String> args = new ArrayList<>(List.of("-genkeypair", "-keystore", store.toString(), "-storetype",
            "PKCS12", "-storepass", "changeit", "-alias", "ca", "-dname", "CN=" + commonName, "-keyalg", "EC",
            "-groupname", "secp256r1", "-validity", "3650"));
        extensions.forEach(e -> args.addAll(List.of("-ext", e)));
        keytool(args);
        String pem = keytool(List.of("-exportcert", "-rfc", "-keystore", store.toString(), "-storepass", "changeit",
            "-alias", "ca"));
        int begin = pem.indexOf("-----BEGIN CERTIFICATE-----");
        int end = pem.indexOf("-----END CERTIFICATE-----") + "-----END CERTIFICATE-----".length();
        return pem.substring(begin, end).replace("\r\n", "\n") + "\n";
      } finally {
        Files.deleteIfExists(store);
        Files.deleteIfExists(dir);
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
