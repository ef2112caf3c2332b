package dev.apkimg.cli.hostile;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A mirror on 127.0.0.1 that serves a folder, except for paths given a stream of their own
 * (sent chunked, for as long as the client reads: endless bodies without a byte on disk).
 * {@link #sent} tells how much of those streams went out.
 */
final class StreamingMirror implements AutoCloseable {
  private final Path root;
  private final HttpServer server;
  private final ExecutorService executor;
  private final Map<String, Supplier<InputStream>> streams = new ConcurrentHashMap<>();
  private final AtomicLong sent = new AtomicLong();

  StreamingMirror(Path root) throws IOException {
    this.root = root;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    this.executor = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "streaming-mirror");
      t.setDaemon(true);
      return t;
    });
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  /** {@code http://127.0.0.1:PORT/} */
  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
  }

  /** Serves {@code path} (e.g. {@code /alpine/main/x86_64/APKINDEX.tar.gz}) from {@code body}, anew per request. */
  StreamingMirror stream(String path, Supplier<InputStream> body) {
    streams.put(path, body);
    return this;
  }

  /** Bytes of the streamed bodies sent so far. */
  long sent() {
    return sent.get();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getPath();
      Supplier<InputStream> body = streams.get(path);
      if (body != null) {
        ex.sendResponseHeaders(200, 0); // chunked: no length announced
        byte[] buf = new byte[1 << 16];
        try (InputStream in = body.get(); OutputStream out = ex.getResponseBody()) {
          int n;
          while ((n = in.read(buf)) >= 0) {
            out.write(buf, 0, n);
            sent.addAndGet(n);
          }
        } catch (IOException clientWentAway) {
          // the client stopped reading: what the test wants
        }
        return;
      }
      Path file = root.resolve(path.replaceFirst("^/+", "")).normalize();
      if (!file.startsWith(root) || !Files.isRegularFile(file)) {
        ex.sendResponseHeaders(404, -1);
        return;
      }
      ex.sendResponseHeaders(200, Files.size(file));
      try (OutputStream out = ex.getResponseBody()) {
        Files.copy(file, out);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
