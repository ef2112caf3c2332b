package dev.apkimg.repo;

import dev.apkimg.ApkimgException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Credentials for private repositories that are not written in a URL, looked up by host, first
 * match wins: {@code HTTP_AUTH} (apko's form {@code basic:HOST:USER:PASSWORD}, one entry; the
 * password is everything after the third colon), then the netrc file ({@code $NETRC}, else
 * {@code $HOME/.netrc}): its {@code machine HOST} entries, then its {@code default}. HOST is a
 * host name without a port and matches that host on any port, as netrc's does. A user and
 * password written in the repository URL come before both.
 *
 * <p>These are offered only to https URLs and to plain http on this machine (loopback): sending
 * a password in the clear to another host is what they must never do. The files are read on the
 * first request that needs them (a build from local folders reads none); an unreadable or
 * malformed source is an error naming it, never its content.
 */
public final class RepositoryAuth {
  /** The longest netrc file read: far beyond any real one, it bounds a hostile file. */
  static final int MAX_NETRC_BYTES = 1 << 20;

  private final String httpAuth;
  private final Path netrc;
  private volatile List<Entry> entries;

  private record Entry(String host, Credentials credentials) {}

  private RepositoryAuth(String httpAuth, Path netrc) {
    this.httpAuth = httpAuth;
    this.netrc = netrc;
  }

  /** No credentials from anywhere but URLs. */
  public static RepositoryAuth none() {
    return new RepositoryAuth(null, null);
  }

  /** {@code HTTP_AUTH}, {@code NETRC} and {@code HOME} of this process. */
  public static RepositoryAuth fromEnvironment() {
    return of(System.getenv());
  }

  /** {@code HTTP_AUTH}, {@code NETRC} and {@code HOME} of {@code environment}. */
  public static RepositoryAuth of(Map<String, String> environment) {
    String netrc = environment.get("NETRC");
    String home = environment.get("HOME");
    Path file = netrc != null && !netrc.isBlank() ? Path.of(netrc)
        : home != null && !home.isBlank() ? Path.of(home, ".netrc") : null;
    String auth = environment.get("HTTP_AUTH");
    return new RepositoryAuth(auth == null || auth.isBlank() ? null : auth.strip(), file);
  }

  /** The credentials for {@code uri}'s host, or null; only for https or a loopback host. */
  public Credentials forUri(URI uri) {
    if (httpAuth == null && netrc == null || uri.getHost() == null || !mayCarryPassword(uri)) {
      return null;
    }
    String host = bare(uri.getHost());
    for (Entry e : entries()) {
      if (e.host() == null || e.host().equals(host)) {
        return e.credentials();
      }
    }
    return null;
  }

  /** Whether a password may be sent to {@code uri}: over https, or plain http to this machine. */
  static boolean mayCarryPassword(URI uri) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    return scheme.equals("https") || scheme.equals("http") && isLoopback(uri.getHost());
  }

  private static boolean isLoopback(String host) {
    if (host == null) {
      return false;
    }
    String h = bare(host);
    if (h.equals("localhost") || h.endsWith(".localhost")) {
      return true;
    }
    // Only literal addresses: a name is not resolved here (DNS could say anything).
    if (!h.matches("[0-9.]+") && !h.contains(":")) {
      return false;
    }
    try {
      return InetAddress.getByName(h).isLoopbackAddress();
    } catch (IOException e) {
      return false;
    }
  }

  private static String bare(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
  }

  private List<Entry> entries() {
    List<Entry> e = entries;
    if (e == null) {
      synchronized (this) {
        e = entries;
        if (e == null) {
          List<Entry> all = new ArrayList<>();
          if (httpAuth != null) {
            all.add(parseHttpAuth(httpAuth));
          }
          if (netrc != null) {
            all.addAll(parseNetrc(netrc));
          }
          entries = e = List.copyOf(all);
        }
      }
    }
    return e;
  }

  /** apko's {@code basic:HOST:USER:PASSWORD}; the error never quotes the value. */
  static Entry parseHttpAuth(String value) {
    String[] parts = value.split(":", 4);
    if (parts.length != 4 || !parts[0].equals("basic") || parts[1].isBlank() || parts[2].isEmpty()) {
      throw new ApkimgException("HTTP_AUTH is not of the form basic:HOST:USER:PASSWORD (as apko reads it;"
          + " HOST without a port); for several hosts use a netrc file");
    }
    return new Entry(bare(parts[1].strip()), new Credentials(parts[2], parts[3], "HTTP_AUTH"));
  }

  /**
   * netrc's tokens: {@code machine NAME}, {@code default}, {@code login}, {@code password},
   * {@code account} (ignored) and {@code macdef NAME} (its lines up to an empty one skipped);
   * a token may be double-quoted, with backslash escapes, as curl reads it.
   */
  static List<Entry> parseNetrc(Path file) {
    String text;
    try (InputStream in = Files.newInputStream(file)) {
      byte[] bytes = in.readNBytes(MAX_NETRC_BYTES + 1);
      if (bytes.length > MAX_NETRC_BYTES) {
        throw new ApkimgException("netrc file " + file + " is larger than 1 MiB: is it the right file?");
      }
      text = new String(bytes, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new ApkimgException("cannot read netrc file " + file + ": " + e.getClass().getSimpleName()
          + " (set NETRC to another file, or fix its permissions)", e);
    }
    List<Entry> machines = new ArrayList<>();
    Entry fallback = null;
    Tokens t = new Tokens(text);
    String host = null;
    boolean isDefault = false;
    boolean inEntry = false;
    String login = null;
    String password = null;
    for (String token = t.next(); ; token = t.next()) {
      boolean ends = token == null || token.equals("machine") || token.equals("default") || token.equals("macdef");
      if (ends && inEntry) {
        if (login != null && password != null) {
          Credentials c = new Credentials(login, password, "netrc " + file);
          if (isDefault) {
            fallback = fallback == null ? new Entry(null, c) : fallback;
          } else {
            machines.add(new Entry(bare(host), c));
          }
        }
        inEntry = false;
      }
      if (token == null) {
        break;
      }
      switch (token) {
        case "machine" -> {
          host = t.next();
          if (host == null) {
            throw new ApkimgException("netrc file " + file + ": 'machine' without a host name at the end");
          }
          inEntry = true;
          isDefault = false;
          login = null;
          password = null;
        }
        case "default" -> {
          inEntry = true;
          isDefault = true;
          login = null;
          password = null;
        }
        case "login" -> login = t.next();
        case "password" -> password = t.next();
        case "account" -> t.next();
        case "macdef" -> {
          t.next();
          t.skipMacro();
        }
        default -> {
          // Unknown words are skipped, as curl does: never quoted, they may be secrets.
        }
      }
    }
    if (fallback != null) {
      machines.add(fallback); // default comes last, wherever it was written
    }
    return machines;
  }

  /** Whitespace-separated tokens, double quotes group. */
  private static final class Tokens {
    private final String s;
    private int i;

    Tokens(String s) {
      this.s = s;
    }

    String next() {
      while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
        i++;
      }
      if (i >= s.length()) {
        return null;
      }
      StringBuilder b = new StringBuilder();
      if (s.charAt(i) == '"') {
        for (i++; i < s.length() && s.charAt(i) != '"'; i++) {
          char c = s.charAt(i);
          if (c == '\\' && i + 1 < s.length()) {
            c = s.charAt(++i);
            c = c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : c;
          }
          b.append(c);
        }
        i++;
        return b.toString();
      }
      while (i < s.length() && !Character.isWhitespace(s.charAt(i))) {
        b.append(s.charAt(i++));
      }
      return b.toString();
    }

    /** A macro's body: up to the first empty line. */
    void skipMacro() {
      int end = s.indexOf("\n\n", i);
      i = end < 0 ? s.length() : end + 2;
    }
  }

  @Override
  public String toString() {
    return "RepositoryAuth[HTTP_AUTH " + (httpAuth == null ? "unset" : "set") + ", netrc " + netrc + "]";
  }
}
