package dev.apkimg.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Serves a directory read-only over HTTP on 127.0.0.1 (ephemeral port), so tests run the real
 * HTTP client path without network. GET and HEAD; 404 for anything that is not a regular file
 * under the root; 405 for other methods. Every request is logged for assertions.
 */
public final class LoopbackHttpServer implements AutoCloseable {
    /** One request as received: method and the raw (still percent-encoded) path. */
    public record Request(String method, String path) {
    }

    private final Path root;
    private final HttpServer server;
    private final ExecutorService executor;
    private final List<Request> log = new ArrayList<>();
    private volatile java.util.function.Predicate<String> stalled = path -> false;
    private final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);

    private LoopbackHttpServer(Path root) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
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

    /** {@code http://127.0.0.1:PORT/} */
    public String url() {
        return "http://127.0.0.1:" + port() + "/";
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
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            String rawPath = ex.getRequestURI().getRawPath();
            synchronized (this) {
                log.add(new Request(method, rawPath));
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
