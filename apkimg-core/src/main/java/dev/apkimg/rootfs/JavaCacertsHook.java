package dev.apkimg.rootfs;

import dev.apkimg.ApkimgException;
import dev.apkimg.rootfs.ShellScriptSyntax.Unsupported;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Alpine's Java trust store. Alpine's JREs link {@code lib/security/cacerts} to
 * {@code /etc/ssl/certs/java/cacerts}, which only java-cacerts' hook
 * {@code /etc/ca-certificates/update.d/java-cacerts} writes: {@code update-ca-certificates} (the
 * trigger of ca-certificates) runs that folder's hooks, and this one runs p11-kit's
 * {@code trust extract --format=java-cacerts} over the CA bundle. apkimg runs no shell, so when
 * a trigger runs {@code update-ca-certificates} and the hook is java-cacerts' very line, the store
 * is written here from the image's {@code /etc/ssl/certs/ca-certificates.crt}, as p11-kit writes
 * it: the bundle's CA certificates for server authentication, JKS, password {@code changeit},
 * aliases from each certificate's subject. Unlike p11-kit,
 * every entry is dated at the build's timestamp (p11-kit: the time it ran) and entries are in
 * alias order, so the bytes are the same on every build.
 */
final class JavaCacertsHook {
  static final String HOOK = "etc/ca-certificates/update.d/java-cacerts";
  static final String BUNDLE = "etc/ssl/certs/ca-certificates.crt";
  /** Alpine's bundle is about 220 KiB; a bundle this big is not a CA bundle. */
  static final int MAX_BUNDLE = 8 << 20;
  /** The hook's one command, word by word, as Alpine's java-cacerts package writes it. */
  static final List<String> HOOK_COMMAND = List.of("exec", "trust", "extract", "--overwrite", "--format=java-cacerts",
      "--filter=ca-anchors", "--purpose", "server-auth", "/etc/ssl/certs/java/cacerts");
  /** Subject attribute types p11-kit names a certificate by, in its order of preference: CN, OU, O. */
  private static final List<byte[]> LABEL_TYPES = List.of(new byte[] {0x55, 0x04, 0x03}, new byte[] {0x55, 0x04, 0x0B},
      new byte[] {0x55, 0x04, 0x0A});
  private static final String BASIC_CONSTRAINTS = "2.5.29.19";
  private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

  private JavaCacertsHook() {}

  /** The files this reads: the hook and the bundle. */
  static Set<String> reads() {
    return Set.of(HOOK, BUNDLE);
  }

  /**
   * Whether a trigger's line runs the hooks: {@code update-ca-certificates}, with
   * {@code --fresh} or not, its output to {@code /dev/null} or not (as Alpine's ca-certificates
   * trigger has it over the releases).
   */
  static boolean runsHooks(String line) {
    try {
      List<String> w = ShellScriptSyntax.unwrap(ShellScriptSyntax.simpleCommand(line));
      return w.equals(List.of("update-ca-certificates")) || w.equals(List.of("update-ca-certificates", "--fresh"));
    } catch (Unsupported e) {
      return false;
    }
  }

  /**
   * Carries the hook out when it is java-cacerts' (an executable file whose one command is
   * {@link #HOOK_COMMAND}); what became of it, or nothing when the image has no such hook.
   */
  static Optional<ScriptReport> run(RootfsTree tree) {
    Optional<RootfsTree.Entry> hook = tree.entry(HOOK).filter(e -> e.type() == RootfsTree.Type.FILE);
    if (hook.isEmpty() || (hook.get().mode() & 0111) == 0) {
      return Optional.empty(); // update-ca-certificates runs executable hooks only
    }
    String name = "/" + HOOK + tree.shippedBy(HOOK).map(p -> " (" + p.nameVersion() + ")").orElse("");
    List<String> lines = new ArrayList<>();
    for (String l : ShellScriptSyntax.logicalLines(new String(tree.content(HOOK).orElseThrow(), StandardCharsets.UTF_8))) {
      String t = l.trim();
      if (!t.isEmpty() && !t.startsWith("#")) {
        lines.add(t);
      }
    }
    if (lines.size() != 1 || !isHookCommand(lines.get(0))) {
      return Optional.of(new ScriptReport(name, List.of(), lines));
    }
    String line = String.join(" ", HOOK_COMMAND);
    Optional<byte[]> bundle = bundle(tree);
    if (bundle.isEmpty()) {
      return Optional.of(new ScriptReport(name, List.of(), List.of(line)));
    }
    byte[] store = JavaTrustStore.of(aliased(serverAuthAnchors(certificates(bundle.get()))), tree.timestamp() * 1000);
    if (!tree.exists("etc/ssl/certs/java")) {
      tree.mkdirs("etc/ssl/certs/java", 0755, 0, 0);
    }
    tree.writeFile(CaCertificates.JAVA_CACERTS, store, 0644, 0, 0);
    return Optional.of(new ScriptReport(name, List.of(line), List.of()));
  }

  private static boolean isHookCommand(String line) {
    try {
      return ShellScriptSyntax.simpleCommand(line).equals(HOOK_COMMAND);
    } catch (Unsupported e) {
      return false;
    }
  }

  /** The bundle's bytes when the image has it as a regular file (or a link to one) that apkimg read. */
  private static Optional<byte[]> bundle(RootfsTree tree) {
    String file;
    try {
      file = tree.resolve(BUNDLE);
    } catch (ApkimgException e) {
      return Optional.empty();
    }
    Optional<RootfsTree.Entry> e = tree.entry(file).filter(x -> x.type() == RootfsTree.Type.FILE);
    if (e.isEmpty()) {
      return Optional.empty();
    }
    byte[] bytes;
    try {
      bytes = tree.content(file).orElseThrow();
    } catch (IllegalStateException notRead) {
      return Optional.empty(); // a link to a file elsewhere, whose bytes were not kept
    }
    if (bytes.length > MAX_BUNDLE) {
      throw new ApkimgException("java-cacerts: the CA bundle /" + BUNDLE + " has " + bytes.length + " bytes, more than "
          + MAX_BUNDLE + "; apkimg makes the Java trust store only from a CA bundle up to that size");
    }
    return Optional.of(bytes);
  }

  /** The DER of each PEM certificate of the bundle, in order; text around them is ignored, as p11-kit does. */
  static List<byte[]> certificates(byte[] bundle) {
    List<byte[]> out = new ArrayList<>();
    int block = 0;
    for (PemBlocks.Block b : PemBlocks.of(bundle)) {
      if (b.type().equals("CERTIFICATE")) {
        out.add(certificate(b.base64(), ++block));
      }
    }
    return out;
  }

  private static byte[] certificate(String b64, int block) {
    try {
      byte[] der = Base64.getMimeDecoder().decode(b64);
      X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(der));
      return c.getEncoded();
    } catch (IllegalArgumentException | CertificateException | ClassCastException e) {
      throw new ApkimgException("java-cacerts: certificate " + block + " of the CA bundle /" + BUNDLE
          + " is not an X.509 certificate; fix or remove it in the package that ships the bundle");
    }
  }

  /**
   * What {@code --filter=ca-anchors --purpose server-auth} keeps, in bundle order: each
   * certificate once, if it is a CA (its basic constraints say so, or, without them, it is a
   * self-signed X.509 v1 certificate) and, when it limits its extended key usage, serverAuth is
   * among them. (Every certificate of the bundle is an anchor to p11-kit, which Alpine builds with
   * the bundle as its one trust path.)
   */
  static List<byte[]> serverAuthAnchors(List<byte[]> certificates) {
    List<byte[]> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (byte[] der : certificates) {
      X509Certificate c = parse(der);
      if (seen.add(Base64.getEncoder().encodeToString(der)) && isAuthority(c) && allowsServerAuth(c)) {
        out.add(der);
      }
    }
    return out;
  }

  private static boolean isAuthority(X509Certificate c) {
    if (c.getExtensionValue(BASIC_CONSTRAINTS) != null) {
      return c.getBasicConstraints() >= 0;
    }
    return c.getVersion() == 1 && java.util.Arrays.equals(c.getSubjectX500Principal().getEncoded(),
        c.getIssuerX500Principal().getEncoded());
  }

  private static boolean allowsServerAuth(X509Certificate c) {
    try {
      List<String> usages = c.getExtendedKeyUsage();
      return usages == null || usages.contains(SERVER_AUTH);
    } catch (java.security.cert.CertificateParsingException e) {
      return false; // p11-kit leaves out a certificate whose usages it cannot read
    }
  }

  private static X509Certificate parse(byte[] der) {
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    } catch (CertificateException e) {
      throw new IllegalStateException(e); // parsed before
    }
  }

  /**
   * The certificates by alias as p11-kit names them: the subject's first CN (else OU, else O),
   * lower case, without white space and non-ASCII characters, {@code unlabeled} without one; a
   * repeated alias gets {@code -1}, {@code -2}, ... in bundle order.
   */
  static Map<String, byte[]> aliased(List<byte[]> certificates) {
    Map<String, byte[]> out = new LinkedHashMap<>();
    Set<String> used = new HashSet<>();
    for (byte[] der : certificates) {
      String base = alias(der);
      String alias = base;
      for (int i = 1; !used.add(alias); i++) {
        alias = base + "-" + i;
      }
      out.put(alias, der);
    }
    return out;
  }

  private static String alias(byte[] der) {
    String label = label(parse(der).getSubjectX500Principal().getEncoded());
    StringBuilder a = new StringBuilder();
    for (char ch : (label == null ? "unlabeled" : label).toCharArray()) {
      if (ch < 0x80 && " \t\n\u000B\f\r".indexOf(ch) < 0) {
        a.append(Character.toLowerCase(ch));
      }
    }
    return a.toString();
  }

  /** The value of the first attribute of the first type in {@link #LABEL_TYPES} that the DER subject has. */
  private static String label(byte[] name) {
    for (byte[] type : LABEL_TYPES) {
      DerCursor rdns = DerCursor.of(name).enter(0x30);
      while (rdns.more()) {
        DerCursor atvs = rdns.enter(0x31);
        while (atvs.more()) {
          DerCursor atv = atvs.enter(0x30);
          byte[] oid = atv.value(0x06);
          if (java.util.Arrays.equals(oid, type)) {
            return text(atv.tag(), atv.value(-1));
          }
        }
      }
    }
    return null;
  }

  /** A directory string as text: the string types p11-kit reads; null for another type. */
  private static String text(int tag, byte[] v) {
    return switch (tag) {
      case 12, 18, 19, 20, 22 -> new String(v, StandardCharsets.UTF_8);
      case 30 -> new String(v, StandardCharsets.UTF_16BE);
      case 28 -> new String(v, java.nio.charset.Charset.forName("UTF-32BE"));
      default -> null;
    };
  }
}
