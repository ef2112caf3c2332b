package dev.apkimg.cli;

import dev.apkimg.testing.Prerequisites;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Debian's docker-registry on a free loopback port, without auth, its access log in
 * {@link #log()}: the registry the push ITs push to and count requests in.
 */
final class LocalRegistry implements AutoCloseable {
  private final Process process;
  private final String address;
  private final Path log;

  private LocalRegistry(Process process, String address, Path log) {
    this.process = process;
    this.address = address;
    this.log = log;
  }

  /** Starts it with its config, storage and log under {@code dir}; {@code host} names it in references. */
  static LocalRegistry start(Path dir, String host) throws Exception {
    Path bin = Prerequisites.requireCommand("docker-registry");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path config = Files.createDirectories(dir).resolve("config.yml");
    Files.writeString(config, """
        version: 0.1
        log:
          level: warn
          accesslog:
            disabled: false
        storage:
          filesystem:
            rootdirectory: %s
        http:
          addr: 127.0.0.1:%d
        """.formatted(dir.resolve("storage"), port));
    Path log = dir.resolve("log.txt");
    Process p = new ProcessBuilder(bin.toString(), "serve", config.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    LocalRegistry r = new LocalRegistry(p, host + ":" + port, log);
    r.awaitReady();
    return r;
  }

  /** {@code HOST:PORT}, for image references. */
  String address() {
    return address;
  }

  /** What the registry printed, its access log included. */
  Path log() {
    return log;
  }

  private void awaitReady() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://" + address + "/v2/").toURL().openConnection();
        if (c.getResponseCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      if (!process.isAlive() || System.nanoTime() > deadline) {
        close();
        throw new AssertionError("docker-registry did not start: " + Files.readString(log));
      }
      Thread.sleep(100);
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    process.waitFor(10, TimeUnit.SECONDS);
  }
}
