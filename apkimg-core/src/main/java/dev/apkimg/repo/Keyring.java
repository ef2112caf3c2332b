package dev.apkimg.repo;

import dev.apkimg.ApkimgException;
import dev.apkimg.apk.KeyLookup;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The trusted public keys, looked up by file name as apk does ({@code .SIGN.RSA.<name>}).
 * Keys are files, folders of {@code *.pub} files, or https URLs; a URL key is fetched only when
 * a signature names it, and then kept in the cache so it is fetched once.
 */
public final class Keyring implements KeyLookup {
  private final Map<String, String> sources; // key name -> path or URL
  private final Map<String, byte[]> inline = new TreeMap<>(); // key name -> PEM, from a lockfile
  private final RepositoryClient client;
  private final Path cacheDir;
  private final Map<String, Loaded> loaded = new TreeMap<>();

  private record Loaded(PublicKey key, byte[] pem) {}

  private Keyring(Map<String, String> sources, RepositoryClient client, Path cacheDir) {
    this.sources = sources;
    this.client = client;
    this.cacheDir = cacheDir;
  }

  /**
   * @param entries key files, folders or URLs; relative paths are resolved against {@code baseDir}, else (as
   *     apko reads them) against the working directory
   * @param cacheDir where fetched URL keys are kept ({@code null}: not kept)
   */
  public static Keyring of(List<String> entries, Path baseDir, RepositoryClient client, Path cacheDir) {
    Map<String, String> sources = new LinkedHashMap<>();
    for (String entry : entries) {
      if (entry.startsWith("https://") || entry.startsWith("http://")) {
        URI uri;
        try {
          uri = URI.create(entry);
        } catch (IllegalArgumentException e) {
          throw new ApkimgException("key URL '" + Credentials.redact(entry) + "' is not a valid URL: "
              + Credentials.redact(e.getMessage()));
        }
        if (uri.getHost() == null) {
          throw new ApkimgException("key URL '" + Credentials.redact(entry) + "' names no host"
              + (entry.indexOf('@') >= 0 ? " (write '@' in a user name or password as %40)" : ""));
        }
        sources.putIfAbsent(nameOf(entry), entry);
        continue;
      }
      Path p = entry.startsWith("file:") ? Path.of(URI.create(entry)) : baseDir == null ? Path.of(entry) : baseDir.resolve(entry);
      Path fromWorkingDir = null;
      if (!Files.exists(p) && baseDir != null && !entry.startsWith("file:") && !Path.of(entry).isAbsolute()) {
        // apko reads a relative key path from the working directory: an apko profile names it so.
        fromWorkingDir = Path.of(entry).toAbsolutePath().normalize();
        if (Files.exists(fromWorkingDir)) {
          p = fromWorkingDir;
        }
      }
      if (Files.isDirectory(p)) {
        try (Stream<Path> files = Files.list(p)) {
          files.filter(f -> f.getFileName().toString().endsWith(".pub")).sorted()
              .forEach(f -> sources.putIfAbsent(f.getFileName().toString(), f.toString()));
        } catch (IOException e) {
          throw new ApkimgException("cannot read key folder " + p + ": " + e.getMessage(), e);
        }
      } else if (Files.isRegularFile(p)) {
        sources.putIfAbsent(p.getFileName().toString(), p.toString());
      } else {
        throw new ApkimgException("key file " + p + " does not exist"
            + (fromWorkingDir == null ? "" : " (nor " + fromWorkingDir + ", from the working directory, where apko looks)"));
      }
    }
    return new Keyring(sources, client, cacheDir);
  }

  private static String nameOf(String url) {
    String path = URI.create(url).getPath();
    return path.substring(path.lastIndexOf('/') + 1);
  }

  /** A keyring of keys given by content (as a lockfile embeds them), by name. */
  public static Keyring ofPems(Map<String, byte[]> pems) {
    Keyring k = new Keyring(new LinkedHashMap<>(), null, null);
    pems.forEach((name, pem) -> {
      parsePem(pem, name);
      k.inline.put(name, pem.clone());
      k.sources.put(name, "inline:" + name);
    });
    return k;
  }

  /** This keyring and {@code other}'s keys; on a name clash this one's key wins. */
  public Keyring with(Keyring other) {
    Map<String, String> merged = new LinkedHashMap<>(sources);
    other.sources.forEach(merged::putIfAbsent);
    Keyring k = new Keyring(merged, client, cacheDir);
    k.inline.putAll(inline);
    other.inline.forEach((name, pem) -> {
      if (!sources.containsKey(name)) {
        k.inline.put(name, pem);
      }
    });
    return k;
  }

  /** The names of all keys the keyring would trust. */
  public List<String> names() {
    return new ArrayList<>(sources.keySet());
  }

  @Override
  public synchronized Optional<PublicKey> find(String keyName) {
    Loaded l = loaded.get(keyName);
    if (l != null) {
      return Optional.of(l.key());
    }
    String source = sources.get(keyName);
    if (source == null) {
      return Optional.empty();
    }
    byte[] pem = inline.containsKey(keyName) ? inline.get(keyName)
        : source.startsWith("https://") || source.startsWith("http://") ? fetch(source) : readFile(source);
    PublicKey key = parsePem(pem, Credentials.redact(source));
    loaded.put(keyName, new Loaded(key, pem));
    return Optional.of(key);
  }

  /** The keys that verified something in this build, by name: what goes to {@code etc/apk/keys}. */
  public synchronized Map<String, byte[]> usedKeys() {
    Map<String, byte[]> out = new TreeMap<>();
    loaded.forEach((name, l) -> out.put(name, l.pem().clone()));
    return out;
  }

  private static byte[] readFile(String path) {
    try {
      return Files.readAllBytes(Path.of(path));
    } catch (IOException e) {
      throw new ApkimgException("cannot read key file " + path + ": " + e.getMessage(), e);
    }
  }

  private byte[] fetch(String url) {
    String shown = Credentials.redact(url); // a user and password in the URL go to its host only
    Path cached = null;
    if (cacheDir != null) {
      String id = HexFormat.of().formatHex(sha256(shown.getBytes(StandardCharsets.UTF_8))).substring(0, 16);
      cached = cacheDir.resolve("keys").resolve(id + "-" + nameOf(url));
      if (Files.isRegularFile(cached)) {
        return readFile(cached.toString());
      }
    }
    byte[] pem;
    try (InputStream in = client.open(URI.create(url))) {
      pem = in.readNBytes(64 * 1024);
    } catch (IOException e) {
      throw new ApkimgException("cannot fetch key " + shown + ": " + Credentials.redact(e.getMessage())
          + " (download it and name the file in the keyring, or trust it for this build)", dev.apkimg.Hint.ADD_KEY, e);
    }
    parsePem(pem, shown); // never cache something that is not a key
    if (cached != null) {
      try {
        dev.apkimg.OutputFiles.write(cached, pem);
      } catch (IOException e) {
        // The cache is an optimisation; the key is in hand.
      }
    }
    return pem;
  }

  /** Parses a PEM {@code PUBLIC KEY} (X.509 SubjectPublicKeyInfo), as Alpine's keys are. */
  public static PublicKey parsePem(byte[] pem, String source) {
    String text = new String(pem, StandardCharsets.US_ASCII);
    int begin = text.indexOf("-----BEGIN PUBLIC KEY-----");
    // The END line is looked for after the BEGIN line: the two may share dashes ("...KEY-----END...").
    int end = begin < 0 ? -1 : text.indexOf("-----END PUBLIC KEY-----", begin + "-----BEGIN PUBLIC KEY-----".length());
    if (begin < 0 || end < 0) {
      throw new ApkimgException("key " + source + " is not a PEM public key (-----BEGIN PUBLIC KEY-----)");
    }
    String base64 = text.substring(begin + "-----BEGIN PUBLIC KEY-----".length(), end).replaceAll("\\s", "");
    try {
      return KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64)));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new ApkimgException("key " + source + " is not a valid RSA public key: " + e.getMessage(), e);
    }
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
