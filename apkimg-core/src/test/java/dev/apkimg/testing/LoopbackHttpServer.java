package dev.apkimg.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;

/**
 * Serves a directory read-only over HTTP on 127.0.0.1 (ephemeral port), so tests run the real
 * HTTP client path without network. GET and HEAD; 404 for anything that is not a regular file
 * under the root; 405 for other methods. Every request is logged for assertions, with its headers
 * ({@link #received()}).
 *
 * <p>Hostile and flaky servers are scripted per path with {@link #script(String, Reply...)}: each
 * request to the path takes the next {@link Reply} (a status, a redirect, a stall, a dropped
 * connection, no answer at all), and once they are used up the file is served. With
 * {@link #requireBasicAuth(String, String)} every request without those credentials gets 401.
 */
public final class LoopbackHttpServer implements AutoCloseable {
    /** One request as received: method and the raw (still percent-encoded) path. */
    public record Request(String method, String path) {
    }

    /** One request with its headers (names in lower case). */
    public record Received(String method, String path, Map<String, List<String>> headers) {
        public Received {
            headers = Map.copyOf(headers);
        }

        /** The first value of a header, or null. */
        public String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        /** The {@code Authorization} header, or null. */
        public String authorization() {
            return header("Authorization");
        }
    }

    /**
     * What the server does with one request instead of serving the file. {@code file} is the file
     * the path names (it may not exist).
     */
    @FunctionalInterface
    public interface Reply {
        void send(HttpExchange exchange, Path file) throws IOException;
    }

    /** Answers with this status and no body. */
    public static Reply status(int status) {
        return (ex, file) -> ex.sendResponseHeaders(status, -1);
    }

    /** Answers with this status, a {@code Retry-After} header and no body. */
    public static Reply status(int status, Duration retryAfter) {
        return (ex, file) -> {
            ex.getResponseHeaders().set("Retry-After", Long.toString(retryAfter.toSeconds()));
            ex.sendResponseHeaders(status, -1);
        };
    }

    /** Redirects ({@code 301}, {@code 302}, {@code 307}...) to {@code location}, as given. */
    public static Reply redirect(int status, String location) {
        return (ex, file) -> {
            ex.getResponseHeaders().set("Location", location);
            ex.sendResponseHeaders(status, -1);
        };
    }

    /** Reads the request and never answers (until the server is closed). */
    public static Reply noAnswer() {
        return (ex, file) -> waitUntilClosed();
    }

    /**
     * Sends the headers (with the file's full length) and the first {@code bytes} of the file, then
     * nothing more, keeping the connection open (until the server is closed).
     */
    public static Reply stallAfter(long bytes) {
        return (ex, file) -> {
            byte[] content = Files.readAllBytes(file);
            ex.sendResponseHeaders(200, content.length);
            OutputStream out = ex.getResponseBody();
            out.write(content, 0, (int) Math.min(bytes, content.length));
            out.flush();
            waitUntilClosed();
        };
    }

    /**
     * Sends the headers (with the file's full length) and the first {@code bytes} of the file, then
     * drops the connection.
     */
    public static Reply dropAfter(long bytes) {
        return (ex, file) -> {
            byte[] content = Files.readAllBytes(file);
            ex.sendResponseHeaders(200, content.length);
            OutputStream out = ex.getResponseBody();
            out.write(content, 0, (int) Math.min(bytes, content.length));
            out.flush();
            // Closing short of the declared length makes the server close the connection.
            throw new IOException("connection dropped on purpose after " + bytes + " bytes");
        };
    }

    /** Sends the whole file, {@code chunk} bytes at a time with {@code pause} between them. */
    public static Reply slowly(int chunk, Duration pause) {
        return (ex, file) -> {
            byte[] content = Files.readAllBytes(file);
            ex.sendResponseHeaders(200, content.length);
            OutputStream out = ex.getResponseBody();
            for (int off = 0; off < content.length; off += chunk) {
                if (off > 0) {
                    sleep(pause);
                }
                out.write(content, off, Math.min(chunk, content.length - off));
                out.flush();
            }
            out.close();
        };
    }

    private static void waitUntilClosed() {
        sleep(Duration.ofMinutes(5)); // close() interrupts
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final Path root;
    private final HttpServer server;
    private final ExecutorService executor;
    private final List<Request> log = new ArrayList<>();
    private final List<Received> received = new ArrayList<>();
    private final Map<String, Deque<Reply>> scripts = new HashMap<>();
    private String requiredAuthorization;
    private String tokenLogin;
    private String bearerToken;
    private volatile java.util.function.Predicate<String> stalled = path -> false;
    private final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);

    private LoopbackHttpServer(Path root) throws IOException {
        this(root, HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0));
    }

    private LoopbackHttpServer(Path root, HttpServer server) {
        this.root = root.toAbsolutePath().normalize();
        this.server = server;
        this.executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "loopback-http");
            t.setDaemon(true);
            return t;
        });
        server.createContext("/", this::handle);
        server.setExecutor(executor);
    }

    /** Starts serving {@code root}. */
    public static LoopbackHttpServer serve(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new IOException("not a directory: " + root);
        }
        LoopbackHttpServer s = new LoopbackHttpServer(root);
        s.server.start();
        return s;
    }

    /**
     * Starts serving {@code root} over HTTPS with {@code tls} (e.g. {@link TestCertificates#selfSignedServer}):
     * a registry whose certificate clients do not trust.
     */
    public static LoopbackHttpServer serveHttps(Path root, SSLContext tls) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new IOException("not a directory: " + root);
        }
        HttpsServer https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(tls));
        LoopbackHttpServer s = new LoopbackHttpServer(root, https);
        s.server.start();
        return s;
    }

    /** {@code http://127.0.0.1:PORT/} ({@code https://} when serving HTTPS) */
    public String url() {
        return (server instanceof HttpsServer ? "https" : "http") + "://127.0.0.1:" + port() + "/";
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public Path root() {
        return root;
    }

    /** All requests so far, in arrival order. */
    public synchronized List<Request> requests() {
        return List.copyOf(log);
    }

    /** The paths requested so far (any method), e.g. {@code /x86_64/APKINDEX.tar.gz}. */
    public synchronized List<String> requestedPaths() {
        return log.stream().map(Request::path).toList();
    }

    /** All requests so far with their headers, in arrival order. */
    public synchronized List<Received> received() {
        return List.copyOf(received);
    }

    /**
     * Files whose (raw) request path matches are answered with their headers and half their
     * bytes, then nothing more until {@link #close()}: a mirror that stalls mid-body.
     */
    public LoopbackHttpServer stallOn(java.util.function.Predicate<String> path) {
        this.stalled = path;
        return this;
    }

    public synchronized void clearLog() {
        log.clear();
        received.clear();
    }

    /**
     * The next requests to {@code rawPath} (e.g. {@code /alpine/main/x86_64/APKINDEX.tar.gz}) get
     * these replies, one each, in order; later ones are served as usual. Adds to earlier scripts.
     */
    public synchronized LoopbackHttpServer script(String rawPath, Reply... replies) {
        scripts.computeIfAbsent(rawPath, k -> new ArrayDeque<>()).addAll(List.of(replies));
        return this;
    }

    /** Every request without {@code Authorization: Basic} for these credentials gets 401. */
    public synchronized LoopbackHttpServer requireBasicAuth(String user, String password) {
        requiredAuthorization = "Basic " + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /**
     * A registry's token flow (docker's, as the OCI distribution spec's registries use it): every request
     * without {@code Authorization: Bearer TOKEN} gets 401 with a {@code Bearer} challenge whose realm is
     * {@code /token} on this server; {@code GET /token} answers {@code {"token": TOKEN}} to Basic
     * credentials {@code user}/{@code password} and 401 to anything else.
     */
    public synchronized LoopbackHttpServer requireBearerToken(String user, String password, String token) {
        tokenLogin = "Basic " + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        bearerToken = token;
        return this;
    }

    @Override
    public void close() {
        release.countDown();
        executor.shutdownNow(); // first, so stalled and silent replies end
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            String rawPath = ex.getRequestURI().getRawPath();
            Reply reply;
            boolean authorized;
            String token;
            String login;
            synchronized (this) {
                token = bearerToken;
                login = tokenLogin;
                log.add(new Request(method, rawPath));
                Map<String, List<String>> headers = new TreeMap<>();
                ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
                received.add(new Received(method, rawPath, headers));
                authorized = requiredAuthorization == null
                    || requiredAuthorization.equals(ex.getRequestHeaders().getFirst("Authorization"));
                Deque<Reply> script = scripts.get(rawPath);
                boolean bearerOk = bearerToken == null || rawPath.equals("/token")
                    || ("Bearer " + bearerToken).equals(ex.getRequestHeaders().getFirst("Authorization"));
                reply = !authorized || !bearerOk || script == null ? null : script.poll();
            }
            if (token != null) {
                String given = ex.getRequestHeaders().getFirst("Authorization");
                if (rawPath.equals("/token")) {
                    byte[] body = ("{\"token\":\"" + token + "\"}").getBytes(StandardCharsets.UTF_8);
                    ex.sendResponseHeaders(login.equals(given) ? 200 : 401, login.equals(given) ? body.length : -1);
                    if (login.equals(given)) {
                        ex.getResponseBody().write(body);
                    }
                    return;
                }
                if (!("Bearer " + token).equals(given)) {
                    ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"" + url() + "token\",service=\"loopback\"");
                    ex.sendResponseHeaders(401, -1);
                    return;
                }
            }
            if (!authorized) {
                ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"loopback\"");
                ex.sendResponseHeaders(401, -1);
                return;
            }
            if (reply != null) {
                reply.send(ex, resolve(rawPath));
                return;
            }
            if (!method.equals("GET") && !method.equals("HEAD")) {
                ex.getResponseHeaders().set("Allow", "GET, HEAD");
                ex.sendResponseHeaders(405, -1);
                return;
            }
            Path file = resolve(rawPath);
            if (file == null || !Files.isRegularFile(file)) {
                ex.sendResponseHeaders(404, -1);
                return;
            }
            long size = Files.size(file);
            ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
            if (method.equals("HEAD")) {
                // -1 means "no body"; the length the body would have goes in the header.
                ex.getResponseHeaders().set("Content-Length", Long.toString(size));
                ex.sendResponseHeaders(200, -1);
                return;
            }
            ex.sendResponseHeaders(200, size == 0 ? -1 : size);
            if (stalled.test(rawPath)) {
                OutputStream out = ex.getResponseBody();
                out.write(Files.readAllBytes(file), 0, (int) (size / 2));
                out.flush();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return;
            }
            try (InputStream in = Files.newInputStream(file); OutputStream out = ex.getResponseBody()) {
                in.transferTo(out);
            }
        }
    }

    /** Maps a URL path to a file under the root, or null if it would leave the root. */
    private Path resolve(String rawPath) {
        String path;
        try {
            path = URI.create("file://" + rawPath).getPath(); // decodes %xx
        } catch (Exception e) {
            return null;
        }
        Path p = root.resolve(path.replaceFirst("^/+", "")).normalize();
        return p.startsWith(root) ? p : null;
    }
}
