package dev.apkimg.rootfs;

import dev.apkimg.ApkimgException;
import dev.apkimg.rootfs.ShellScriptSyntax.Unsupported;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CRLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Alpine's {@code update-ca-certificates} (ca-certificates' {@code update-ca.c}) as its trigger
 * runs it, and the hooks it then runs with busybox {@code run-parts}: {@code certhash}
 * ({@code c_rehash /etc/ssl/certs}, ca-certificates' own) and java-cacerts' ({@link JavaCacertsHook}).
 *
 * <p>update-ca: each line of {@code /etc/ca-certificates.conf} (but those starting with {@code #}
 * or {@code !}) names {@code /usr/share/ca-certificates/LINE}, then each entry of
 * {@code /usr/local/share/ca-certificates} (but hidden ones) is taken; each becomes the link
 * {@code /etc/ssl/certs/ca-cert-NAME.pem} to that absolute path (NAME: the file name without
 * {@code .crt}, {@code ,} and space made {@code _}, parentheses made {@code =}; a later one of the
 * same name wins), and its bytes followed by a newline go into the bundle
 * {@code /etc/ssl/certs/ca-certificates.crt} (0644), in that order. An existing link of such a
 * name is pointed right; a path already there that is not a link is left alone.
 *
 * <p>c_rehash: every file of {@code /etc/ssl/certs} named {@code *.pem}, {@code *.crt},
 * {@code *.cer} or {@code *.crl} (any case; not the bundle) that holds exactly one certificate
 * (or CRL) gets the link {@code HASH.0} ({@code HASH.r0}) to its name, HASH being OpenSSL's
 * {@link SubjectHash}; a certificate already linked under its hash is skipped as a duplicate.
 * Where the C program reads a directory apkimg goes in name order (readdir's order, which it
 * cannot know). As in the c_rehash Alpine ships, the number of a new link is the lowest one that
 * no existing link of that hash holds, and it is not advanced: of two new certificates with
 * one hash the later in name order keeps {@code HASH.0}.
 */
final class UpdateCaCertificates {
  static final String CONF = "etc/ca-certificates.conf";
  static final String CERTS = "/usr/share/ca-certificates/";
  static final String LOCAL = "/usr/local/share/ca-certificates/";
  static final String ETC_CERTS = "etc/ssl/certs";
  static final String BUNDLE_NAME = "ca-certificates.crt";
  static final String HOOKS = "etc/ca-certificates/update.d";
  static final String CERTHASH = "certhash";
  /** The certhash hook's one command, as ca-certificates' APKBUILD writes it. */
  static final List<String> CERTHASH_COMMAND = List.of("exec", "/usr/bin/c_rehash", "/etc/ssl/certs");
  /** The bundle apkimg writes at most (Alpine's is about 220 KiB), as the Java trust store reads. */
  static final int MAX_BUNDLE = JavaCacertsHook.MAX_BUNDLE;
  /** Certificates (conf lines and local files) at most; Alpine has about 150. */
  static final int MAX_CERTIFICATES = 10_000;
  /** Entries of /etc/ssl/certs c_rehash looks at, at most. */
  static final int MAX_ENTRIES = 50_000;
  /** c_rehash's MAX_COLLISIONS: links of one hash at most. */
  private static final int MAX_COLLISIONS = 256;
  /** busybox run-parts runs only files so named. */
  private static final Pattern RUN_PARTS_NAME = Pattern.compile("[A-Za-z0-9_-]+");
  private static final Pattern HASH_LINK = Pattern.compile("([0-9A-Fa-f]{8})\\.([rR]?)([0-9]{0,9})");
  private static final List<String> EXTENSIONS = List.of("pem", "crt", "cer", "crl");

  /** What one run did: the hooks' reports, and what of update-ca-certificates itself apkimg did not carry out. */
  record Run(List<ScriptReport> hooks, List<String> leftOut) {
    boolean complete() {
      return leftOut.isEmpty() && hooks.stream().allMatch(h -> h.notCarriedOut().isEmpty());
    }
  }

  private UpdateCaCertificates() {}

  /** The files this reads: the conf, the certificates, /etc/ssl/certs and the hooks. */
  static Set<String> reads() {
    Set<String> r = new java.util.HashSet<>(JavaCacertsHook.reads());
    r.addAll(Set.of(CONF, CERTS.substring(1), LOCAL.substring(1), ETC_CERTS + "/", HOOKS + "/"));
    return r;
  }

  /** Carries update-ca-certificates out on the image, then its hooks. */
  static Run run(RootfsTree tree) {
    List<String> leftOut = new ArrayList<>();
    Optional<String> certsDir = directory(tree, ETC_CERTS);
    if (certsDir.isEmpty()) {
      // update-ca makes its bundle's temporary file there first; without the folder it stops, hooks unrun
      leftOut.add("/" + ETC_CERTS + " is not a directory");
      return new Run(List.of(), leftOut);
    }
    String dir = certsDir.get();
    Map<String, String> links = new LinkedHashMap<>();
    ByteArrayOutputStream bundle = new ByteArrayOutputStream();
    Optional<byte[]> conf = readable(tree, "/" + CONF, "/" + CONF);
    if (conf.isPresent()) {
      String text = new String(conf.get(), StandardCharsets.UTF_8);
      List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
      if (lines.get(lines.size() - 1).isEmpty()) {
        lines.remove(lines.size() - 1); // getline reads no line after the last newline
      }
      int n = 0;
      for (String line : lines) {
        n++;
        if (!line.startsWith("#") && !line.startsWith("!")) {
          add(tree, CERTS + line, "line " + n + " of /" + CONF, links, bundle);
        }
      }
    }
    Optional<String> local = directory(tree, LOCAL.substring(1, LOCAL.length() - 1));
    if (local.isPresent()) {
      for (String name : children(tree, local.get())) {
        if (!name.startsWith(".")) {
          add(tree, LOCAL + name, LOCAL + name, links, bundle);
        }
      }
    }
    for (String name : children(tree, dir)) {
      RootfsTree.Entry e = tree.entry(dir + "/" + name).orElseThrow();
      if (e.type() != RootfsTree.Type.SYMLINK) {
        continue;
      }
      String want = links.remove(name);
      if (want == null) {
        if (e.link().startsWith(CERTS) || e.link().startsWith(LOCAL)) {
          leftOut.add("remove the link /" + dir + "/" + name); // apkimg removes nothing a package shipped
        }
      } else if (!want.equals(e.link())) {
        symlink(tree, dir + "/" + name, want);
      }
    }
    links.forEach((name, target) -> {
      if (!tree.exists(dir + "/" + name)) {
        symlink(tree, dir + "/" + name, target);
      }
    });
    Optional<RootfsTree.Entry> old = tree.entry(dir + "/" + BUNDLE_NAME);
    if (old.isPresent() && old.get().isDirectory()) {
      leftOut.add("/" + dir + "/" + BUNDLE_NAME + " is a directory"); // rename(2) fails
    } else {
      tree.writeFile(dir + "/" + BUNDLE_NAME, bundle.toByteArray(), 0644, 0, 0);
    }
    return new Run(runParts(tree, dir), leftOut);
  }

  /** One certificate path: its link and its bytes (when it is a file) and a newline in the bundle. */
  private static void add(RootfsTree tree, String path, String from, Map<String, String> links,
      ByteArrayOutputStream bundle) {
    if (links.size() >= MAX_CERTIFICATES && !links.containsKey(linkName(path))) {
      throw new ApkimgException("update-ca-certificates: more than " + MAX_CERTIFICATES + " certificates in /" + CONF
          + " and " + LOCAL + "; apkimg makes the CA links and bundle for up to that many");
    }
    String target = path;
    if (PackageEntryRules.hasControlCharacter(target)) {
      throw new ApkimgException("update-ca-certificates: " + from + " names a path with a control character;"
          + " fix the file in the package that ships it");
    }
    links.remove(linkName(path)); // a later one of the same name wins
    links.put(linkName(path), target);
    Optional<byte[]> bytes = readable(tree, path, from);
    if (bytes.isPresent()) {
      if (bundle.size() + bytes.get().length + 1L > MAX_BUNDLE) {
        throw new ApkimgException("update-ca-certificates: the CA bundle /" + ETC_CERTS + "/" + BUNDLE_NAME
            + " would have more than " + MAX_BUNDLE + " bytes; apkimg writes a CA bundle only up to that size");
      }
      bundle.writeBytes(bytes.get());
    }
    bundle.write('\n');
  }

  /** update-ca's link name for a certificate path. */
  static String linkName(String path) {
    String name = path.substring(path.lastIndexOf('/') + 1);
    if (name.length() > 4 && name.endsWith(".crt")) {
      name = name.substring(0, name.length() - 4);
    }
    return ("ca-cert-" + name + ".pem").replace(',', '_').replace(' ', '_').replace('(', '=').replace(')', '=');
  }

  /** The bytes at an absolute image path when it leads to a regular file; empty when it leads to nothing else. */
  private static Optional<byte[]> readable(RootfsTree tree, String path, String from) {
    String p = "";
    try {
      for (String part : path.split("/")) { // as the kernel walks it: links followed, ".." after them
        if (part.equals("..")) {
          p = p.substring(0, Math.max(0, p.lastIndexOf('/')));
        } else if (!part.isEmpty() && !part.equals(".")) {
          p = tree.resolve(p.isEmpty() ? part : p + "/" + part);
        }
      }
    } catch (ApkimgException e) {
      return Optional.empty();
    }
    if (p.isEmpty()) {
      return Optional.empty();
    }
    Optional<RootfsTree.Entry> e = tree.entry(p);
    if (e.isPresent() && e.get().type() == RootfsTree.Type.HARDLINK) {
      p = e.get().link();
      e = tree.entry(p);
    }
    if (e.isEmpty() || e.get().type() != RootfsTree.Type.FILE) {
      return Optional.empty();
    }
    try {
      return tree.content(p);
    } catch (IllegalStateException notRead) {
      throw new ApkimgException("update-ca-certificates: " + from + " leads to /" + p + ", which apkimg does not read;"
          + " it reads certificates only below " + CERTS + ", " + LOCAL + " and /" + ETC_CERTS);
    }
  }

  private static void symlink(RootfsTree tree, String path, String target) {
    tree.symlink(path, target, 0, 0);
  }

  /** The canonical path of a directory (links followed), if {@code path} leads to one. */
  private static Optional<String> directory(RootfsTree tree, String path) {
    try {
      String p = tree.resolve(path);
      return tree.entry(p).filter(RootfsTree.Entry::isDirectory).map(e -> p);
    } catch (ApkimgException e) {
      return Optional.empty();
    }
  }

  /** The names in a directory (a canonical path), in name order; bounded. */
  private static List<String> children(RootfsTree tree, String dir) {
    List<String> out = new ArrayList<>();
    int prefix = dir.length() + 1;
    for (String p : tree.below(dir)) {
      if (p.indexOf('/', prefix) < 0) {
        if (out.size() >= MAX_ENTRIES) {
          throw new ApkimgException("update-ca-certificates: /" + dir + " has more than " + MAX_ENTRIES
              + " entries; apkimg updates the CA links only for folders up to that size");
        }
        out.add(p.substring(prefix));
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- run-parts /etc/ca-certificates/update.d

  private static List<ScriptReport> runParts(RootfsTree tree, String certsDir) {
    Optional<String> hooks = directory(tree, HOOKS);
    if (hooks.isEmpty()) {
      return List.of();
    }
    List<ScriptReport> out = new ArrayList<>();
    for (String name : children(tree, hooks.get())) {
      String path = hooks.get() + "/" + name;
      if (!RUN_PARTS_NAME.matcher(name).matches()) {
        continue;
      }
      Optional<RootfsTree.Entry> e;
      try {
        e = tree.entry(tree.resolve(path)).filter(x -> x.type() == RootfsTree.Type.FILE);
      } catch (ApkimgException broken) {
        continue;
      }
      if (e.isEmpty() || (e.get().mode() & 0111) == 0) {
        continue; // run-parts runs executable files only
      }
      if (name.equals("java-cacerts") && path.equals(JavaCacertsHook.HOOK)) {
        JavaCacertsHook.run(tree).ifPresent(out::add);
        continue;
      }
      String report = "/" + path + tree.shippedBy(path).map(p -> " (" + p.nameVersion() + ")").orElse("");
      List<String> lines = commands(tree, e.get().path());
      if (name.equals(CERTHASH) && lines.size() == 1 && isCommand(lines.get(0), CERTHASH_COMMAND)) {
        List<String> leftOut = rehash(tree, certsDir);
        String line = String.join(" ", CERTHASH_COMMAND);
        out.add(leftOut.isEmpty() ? new ScriptReport(report, List.of(line), List.of())
            : new ScriptReport(report, List.of(), List.of(line)));
      } else {
        out.add(new ScriptReport(report, List.of(), lines));
      }
    }
    return out;
  }

  private static List<String> commands(RootfsTree tree, String file) {
    List<String> lines = new ArrayList<>();
    byte[] text;
    try {
      text = tree.content(file).orElse(new byte[0]);
    } catch (IllegalStateException notRead) {
      return List.of("(the hook /" + file + ", which apkimg did not read)");
    }
    for (String l : ShellScriptSyntax.logicalLines(new String(text, StandardCharsets.UTF_8))) {
      String t = l.trim();
      if (!t.isEmpty() && !t.startsWith("#")) {
        lines.add(t);
      }
    }
    return lines;
  }

  private static boolean isCommand(String line, List<String> command) {
    try {
      return ShellScriptSyntax.simpleCommand(line).equals(command);
    } catch (Unsupported e) {
      return false;
    }
  }

  // ---------------------------------------------------------------- c_rehash /etc/ssl/certs

  /** One name in a hash bucket: an existing link's target, or a file that needs a link. */
  private static final class Named {
    final String file;
    int oldId = 0xFFFF;
    boolean needsLink;
    byte[] digest;

    Named(String file) {
      this.file = file;
    }
  }

  /** The links of one hash and type ({@code ""} certificates, {@code "r"} CRLs). */
  private static final class Bucket {
    final List<Named> names = new ArrayList<>();
    int needed;
  }

  /** c_rehash over the folder: the hash links made; what apkimg could not do (removing links). */
  private static List<String> rehash(RootfsTree tree, String dir) {
    Map<String, Bucket> buckets = new TreeMap<>();
    for (String name : children(tree, dir)) {
      String path = dir + "/" + name;
      RootfsTree.Entry e = tree.entry(path).orElseThrow();
      var m = HASH_LINK.matcher(name);
      if (e.type() == RootfsTree.Type.SYMLINK && m.matches() && e.link().length() < 255
          && (m.group(2).isEmpty() || m.group(3).isEmpty())) {
        // c_rehash reads "HASH.r" as a CRL link, "HASH.N" as a certificate's; "HASH.rN" is no link of its
        String type = m.group(2).isEmpty() ? "" : "r";
        int id = m.group(3).isEmpty() ? 0 : (int) (Long.parseLong(m.group(3)) & 0xFFFF);
        add(buckets, type + m.group(1).toLowerCase(Locale.ROOT), e.link(), null, id);
        continue;
      }
      if (name.equals(BUNDLE_NAME)) {
        continue; // Alpine's c_rehash leaves the bundle out
      }
      int dot = name.lastIndexOf('.');
      if (dot < 0 || !EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT))) {
        continue;
      }
      Optional<byte[]> bytes = readable(tree, "/" + path, "/" + path);
      if (bytes.isEmpty()) {
        continue;
      }
      List<PemItem> items = pemItems(bytes.get());
      if (items == null || items.size() != 1) {
        continue; // "does not contain exactly one certificate or CRL: skipping"
      }
      boolean crl = items.get(0).crl();
      byte[] der = items.get(0).der();
      long hash;
      try {
        hash = crl ? SubjectHash.ofCrl(der) : SubjectHash.ofCertificate(der);
      } catch (IllegalArgumentException notDer) {
        continue;
      }
      add(buckets, (crl ? "r" : "") + String.format("%08x", hash), name, sha1(der), 0xFFFF);
    }
    List<String> leftOut = new ArrayList<>();
    buckets.forEach((key, b) -> {
      String type = key.startsWith("r") ? "r" : "";
      String hash = key.substring(type.length());
      boolean[] used = new boolean[MAX_COLLISIONS + 1];
      for (Named n : b.names) {
        if (n.oldId < b.needed) {
          used[n.oldId] = true;
        }
      }
      int next = 0;
      for (Named n : b.names) {
        if (n.oldId < b.needed) {
          continue; // the link exists and stays as it is
        }
        if (n.needsLink) {
          while (used[next]) {
            next++;
          }
          String link = dir + "/" + hash + "." + type + next;
          if (tree.entry(link).map(RootfsTree.Entry::isDirectory).orElse(false)) {
            continue; // unlink(2) and symlink(2) fail
          }
          symlink(tree, link, n.file);
        } else {
          leftOut.add("remove the link /" + dir + "/" + hash + "." + type + n.oldId);
        }
      }
    });
    return leftOut;
  }

  private static void add(Map<String, Bucket> buckets, String key, String file, byte[] digest, int oldId) {
    Bucket b = buckets.computeIfAbsent(key, k -> new Bucket());
    Named found = null;
    for (Named n : b.names) {
      if (digest != null && n.digest != null && Arrays.equals(digest, n.digest)) {
        return; // "Skipping duplicate certificate"
      }
      if (n.file.equals(file)) {
        found = n;
        if (digest == null) {
          break;
        }
      }
    }
    if (found == null) {
      if (b.needed >= MAX_COLLISIONS) {
        return;
      }
      found = new Named(file);
      b.names.add(found);
    }
    found.oldId = Math.min(found.oldId, oldId);
    if (digest != null && !found.needsLink) {
      found.needsLink = true;
      b.needed++;
      found.digest = digest;
    }
  }

  private static byte[] sha1(byte[] der) {
    try {
      return MessageDigest.getInstance("SHA-1").digest(der);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A certificate or CRL of a PEM file, as DER. */
  record PemItem(boolean crl, byte[] der) {}

  /**
   * The certificates and CRLs of a PEM file, in order; other blocks (keys) are passed over; null
   * when one does not decode or parse, as OpenSSL then reads nothing of the file.
   */
  static List<PemItem> pemItems(byte[] file) {
    List<PemItem> out = new ArrayList<>();
    for (PemBlocks.Block block : PemBlocks.of(file)) {
      if (List.of("CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE", "X509 CRL").contains(block.type())) {
        PemItem item = item(block.type(), block.base64());
        if (item == null) {
          return null;
        }
        out.add(item);
      }
    }
    return out;
  }

  private static PemItem item(String type, String b64) {
    try {
      byte[] der = Base64.getMimeDecoder().decode(b64);
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      if (type.equals("X509 CRL")) {
        return new PemItem(true, ((java.security.cert.X509CRL) cf.generateCRL(new ByteArrayInputStream(der))).getEncoded());
      }
      // a TRUSTED CERTIFICATE is the certificate followed by OpenSSL's trust settings: the certificate is the first element
      return new PemItem(false, cf.generateCertificate(new ByteArrayInputStream(der)).getEncoded());
    } catch (IllegalArgumentException | CertificateException | CRLException | ClassCastException e) {
      return null;
    }
  }
}
