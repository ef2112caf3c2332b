package dev.apkimg.rootfs;

import dev.apkimg.ApkimgException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * apko's {@code certificates.additional}: each certificate as its own file in
 * {@code usr/local/share/ca-certificates} (where {@code update-ca-certificates} finds local
 * certificates, so a later run in the container keeps them), appended to every CA bundle the
 * image has (as {@code update-ca-certificates} writes the bundle: each PEM followed by an empty
 * line) and added to the Java trust store {@code etc/ssl/certs/java/cacerts} when there is one.
 * The paths, file names and aliases are apko's, so images match.
 */
public final class CaCertificates implements RootfsMutation {
  /** Where {@code update-ca-certificates} reads local certificates. */
  public static final String LOCAL_DIR = "usr/local/share/ca-certificates";
  /** The CA bundles apko appends to: Alpine's, AWS ECS's, kaniko's; those absent are left absent. */
  public static final List<String> BUNDLES = List.of("etc/ssl/certs/ca-certificates.crt",
      "var/lib/ecs/deps/execute-command/certs/tls-ca-bundle.pem", "kaniko/ssl/certs/ca-certificates.crt");
  /** The Java trust store apko adds to (a JKS file; JREs link their {@code lib/security/cacerts} here). */
  public static final String JAVA_CACERTS = "etc/ssl/certs/java/cacerts";
  /** apko's rule for certificate names: they become file names, so no folders and no hidden files. */
  public static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_-][a-zA-Z0-9_.-]*");

  private static final Pattern PEM_BLOCK = Pattern.compile(
      "-----BEGIN ([A-Z0-9 ]+)-----\\r?\\n([^-]*?)-----END \\1-----");

  /** One checked certificate: its PEM as written anew (no text around it), its DER and SHA-256. */
  public record Certificate(String name, byte[] pem, byte[] der, String fingerprint) {
    /** The file name in {@link #LOCAL_DIR}: apko's {@code NAME-SHA256.crt}. */
    public String fileName() {
      return name + "-" + fingerprint + ".crt";
    }

    /** The trust store alias: apko's {@code NAME-SHA256}, lower case as JKS keeps aliases. */
    public String alias() {
      return (name + "-" + fingerprint).toLowerCase(Locale.ROOT);
    }
  }

  private final List<Certificate> certificates;
  private final Set<String> providers;

  public CaCertificates(List<Certificate> certificates) {
    this(certificates, List.of());
  }

  /**
   * {@code certificates}, then (apko's {@code certificates.providers}) the {@code .crt} and
   * {@code .pem} files in {@link #LOCAL_DIR} of every installed package that provides one of
   * {@code providers}, by path; as apko, a file there that is not one certificate is left out.
   */
  public CaCertificates(List<Certificate> certificates, List<String> providers) {
    this.certificates = List.copyOf(certificates);
    this.providers = Set.copyOf(providers);
  }

  /**
   * Checks that {@code content} holds exactly one PEM certificate that the JDK parses, as apko
   * requires; the problem in words otherwise ({@link IllegalArgumentException}).
   */
  public static Certificate parse(String name, String content) {
    if (content == null || content.isBlank()) {
      throw new IllegalArgumentException("no certificate (content is empty)");
    }
    Matcher m = PEM_BLOCK.matcher(content);
    Certificate found = null;
    while (m.find()) {
      if (found != null) {
        throw new IllegalArgumentException("more than one PEM block: give one certificate per entry");
      }
      if (!m.group(1).equals("CERTIFICATE")) {
        throw new IllegalArgumentException("a PEM block of type '" + m.group(1) + "', not CERTIFICATE");
      }
      byte[] der;
      try {
        der = Base64.getDecoder().decode(m.group(2).replaceAll("\\s", ""));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("the PEM block is not valid base64");
      }
      X509Certificate cert;
      try {
        cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
      } catch (CertificateException | ClassCastException e) {
        throw new IllegalArgumentException("not an X.509 certificate (" + firstLine(e.getMessage()) + ")");
      }
      try {
        if (!Arrays.equals(cert.getEncoded(), der)) {
          throw new IllegalArgumentException("not an X.509 certificate (bytes after it)");
        }
      } catch (java.security.cert.CertificateEncodingException e) {
        throw new IllegalArgumentException("not an X.509 certificate (" + firstLine(e.getMessage()) + ")");
      }
      found = new Certificate(name, pem(der), der, HexFormat.of().formatHex(sha256(der)));
    }
    if (found == null) {
      throw new IllegalArgumentException("no PEM certificate (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)");
    }
    return found;
  }

  @Override
  public Set<String> reads() {
    Set<String> reads = new HashSet<>(BUNDLES);
    reads.add(JAVA_CACERTS);
    if (!providers.isEmpty()) {
      reads.add(LOCAL_DIR + "/");
    }
    return reads;
  }

  @Override
  public void apply(RootfsTree tree) {
    List<Certificate> all = new java.util.ArrayList<>(certificates);
    all.addAll(fromProviders(tree));
    if (all.isEmpty()) {
      return;
    }
    if (!certificates.isEmpty() && !tree.exists(LOCAL_DIR)) {
      tree.mkdirs(LOCAL_DIR, 0755, 0, 0);
    }
    for (Certificate c : certificates) {
      tree.writeFile(LOCAL_DIR + "/" + c.fileName(), c.pem(), 0644, 0, 0);
    }
    Set<String> done = new HashSet<>(); // a bundle linked from another place gets each certificate once
    for (String bundle : BUNDLES) {
      Optional<String> file = regularFile(tree, bundle);
      if (file.isEmpty() || !done.add(file.get())) {
        continue;
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.writeBytes(bytes(tree, bundle, file.get()));
      for (Certificate c : all) {
        out.writeBytes(c.pem());
        out.write('\n');
      }
      RootfsTree.Entry e = tree.entry(file.get()).orElseThrow();
      tree.writeFile(file.get(), out.toByteArray(), e.mode(), e.uid(), e.gid());
    }
    Optional<String> store = regularFile(tree, JAVA_CACERTS);
    if (store.isPresent()) {
      RootfsTree.Entry e = tree.entry(store.get()).orElseThrow();
      byte[] updated = JavaTrustStore.withCertificates("/" + JAVA_CACERTS, bytes(tree, JAVA_CACERTS, store.get()),
          all, tree.timestamp() * 1000);
      tree.writeFile(store.get(), updated, e.mode(), e.uid(), e.gid());
    }
  }

  /** The certificates that provider packages ship in {@link #LOCAL_DIR}, by path; aliases {@code pkg-SHA256} as apko's. */
  private List<Certificate> fromProviders(RootfsTree tree) {
    List<Certificate> found = new java.util.ArrayList<>();
    if (providers.isEmpty() || !tree.exists(LOCAL_DIR)) {
      return found;
    }
    for (String path : tree.below(LOCAL_DIR)) {
      if (!(path.endsWith(".crt") || path.endsWith(".pem"))
          || tree.entry(path).map(e -> e.type() != RootfsTree.Type.FILE).orElse(true)
          || tree.shippedBy(path).filter(this::provides).isEmpty()) {
        continue;
      }
      try {
        Certificate c = parse("pkg", new String(tree.content(path).orElseThrow(), StandardCharsets.US_ASCII));
        found.add(new Certificate("pkg", c.pem(), c.der(), c.fingerprint()));
      } catch (IllegalArgumentException e) {
        // apko leaves such a file out too: a package's README.pem is not a reason to fail the image
      }
    }
    return found;
  }

  private boolean provides(dev.apkimg.apk.PackageInfo p) {
    return providers.contains(p.name()) || p.provides().stream().anyMatch(d -> providers.contains(d.name()));
  }

  /** Where {@code path} leads when it (or the link there) is a regular file in the image. */
  private static Optional<String> regularFile(RootfsTree tree, String path) {
    if (!tree.exists(path)) {
      return Optional.empty();
    }
    String resolved;
    try {
      resolved = tree.resolve(path);
    } catch (ApkimgException e) {
      return Optional.empty();
    }
    return tree.entry(resolved).filter(e -> e.type() == RootfsTree.Type.FILE).map(e -> resolved);
  }

  private static byte[] bytes(RootfsTree tree, String path, String file) {
    try {
      return tree.content(file).orElseThrow();
    } catch (IllegalStateException e) {
      throw new ApkimgException("certificates: cannot add certificates to /" + path + ": it leads to /" + file
          + ", which apkimg does not read; make /" + path + " the file itself");
    }
  }

  /** The PEM text of a DER certificate: 64 base64 characters a line, as PEM writers do. */
  private static byte[] pem(byte[] der) {
    String b64 = Base64.getEncoder().encodeToString(der);
    StringBuilder s = new StringBuilder("-----BEGIN CERTIFICATE-----\n");
    for (int i = 0; i < b64.length(); i += 64) {
      s.append(b64, i, Math.min(b64.length(), i + 64)).append('\n');
    }
    return s.append("-----END CERTIFICATE-----\n").toString().getBytes(StandardCharsets.US_ASCII);
  }

  static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String firstLine(String s) {
    String t = String.valueOf(s);
    int nl = t.indexOf('\n');
    return nl < 0 ? t : t.substring(0, nl);
  }
}
