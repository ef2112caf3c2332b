package dev.apkimg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.apkimg.api.BuildEvent;
import dev.apkimg.api.BuildListener;
import dev.apkimg.repo.Credentials;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code --progress}: a build's events on stderr as plain lines with the elapsed seconds, as one
 * JSON object per line, or as a status line redrawn in place on a terminal. Stdout is never
 * touched: it carries the digest alone.
 */
final class ProgressPrinter implements BuildListener, AutoCloseable {
  /** What {@code --progress} accepts. */
  enum Mode {
    AUTO, TTY, PLAIN, JSON;

    /** {@code auto} as a terminal or CI would want it. */
    Mode resolved() {
      if (this != AUTO) {
        return this;
      }
      String ci = System.getenv("CI");
      boolean inCi = ci != null && !ci.isEmpty() && !ci.equalsIgnoreCase("false");
      return onTerminal() && !inCi ? TTY : PLAIN;
    }

    /**
     * Whether stdin and stdout are a terminal (the JVM's own test; stderr goes to the same one).
     * From Java 22 {@code System.console()} is there even when redirected: ask its isTerminal().
     */
    private static boolean onTerminal() {
      java.io.Console console = System.console();
      if (console == null) {
        return false;
      }
      try {
        return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
      } catch (ReflectiveOperationException e) {
        return true; // before Java 22 a console is there only on a terminal
      }
    }

    static Mode parse(String value) {
      for (Mode m : values()) {
        if (m.name().equalsIgnoreCase(value)) {
          return m;
        }
      }
      return null;
    }
  }

  /** Moves to the start of the line and erases it. */
  static final String ERASE_LINE = "\r\u001b[2K";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long REDRAW_MILLIS = 200;

  private final Mode mode;
  private final PrintWriter err;
  private final boolean quiet;
  private final boolean verbose;
  private final long start = System.nanoTime();
  private final ScheduledExecutorService ticker;
  private String status = "starting";
  private boolean statusShown;
  private boolean closed;

  private ProgressPrinter(Mode mode, PrintWriter err, boolean quiet, boolean verbose) {
    this.mode = mode;
    this.err = err;
    this.quiet = quiet;
    this.verbose = verbose;
    // --quiet asks for errors and the result only: no status line either.
    if (mode == Mode.TTY && !quiet) {
      ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "apkimg-progress");
        t.setDaemon(true);
        return t;
      });
      ticker.scheduleWithFixedDelay(this::redraw, 0, REDRAW_MILLIS, TimeUnit.MILLISECONDS);
    } else {
      ticker = null;
    }
  }

  /** A printer for {@code mode} ({@code auto} resolved now); quiet and verbose filter as before. */
  static ProgressPrinter start(Mode mode, PrintWriter err, boolean quiet, boolean verbose) {
    return new ProgressPrinter(mode.resolved(), err, quiet, verbose);
  }

  Mode mode() {
    return mode;
  }

  @Override
  public synchronized void on(BuildEvent event) {
    if (closed) {
      return;
    }
    boolean shown = switch (event.level()) {
      case INFO -> !quiet;
      case WARNING -> true;
      case DETAIL -> verbose;
      case PROGRESS -> false;
    };
    String text = Credentials.redact(Hints.line(event));
    String line = (event.level() == BuildEvent.Level.WARNING ? "apkimg: warning: " : "") + text;
    switch (mode) {
      case JSON -> {
        if (shown) {
          err.println(json(event, text));
        }
      }
      case TTY -> {
        // Every step, shown as a line or not, becomes the status: the build is at this step now.
        status = text;
        if (shown) {
          eraseStatus();
          err.println(elapsedPrefix() + line);
        }
        drawStatus();
      }
      default -> {
        if (shown) {
          err.println(elapsedPrefix() + line);
        }
      }
    }
    err.flush();
  }

  /** In JSON mode, the failure as the last event; the one-line error still follows as always. */
  synchronized void failed(String message) {
    if (mode == Mode.JSON && !closed) {
      ObjectNode node = JSON.createObjectNode();
      node.put("t", elapsedSeconds());
      node.put("event", "error");
      node.put("level", "error");
      node.put("message", Credentials.redact(String.valueOf(message)));
      err.println(node.toString());
      err.flush();
    }
  }

  /** Stops redrawing and clears the status line, before the result or the error is printed. */
  @Override
  public void close() {
    if (ticker != null) {
      ticker.shutdownNow();
      try {
        ticker.awaitTermination(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      if (ticker != null) {
        eraseStatus();
        err.flush();
      }
    }
  }

  private synchronized void redraw() {
    if (!closed) {
      drawStatus();
      err.flush();
    }
  }

  private void drawStatus() {
    if (ticker == null) {
      return;
    }
    String line = elapsedPrefix() + status;
    int width = columns() - 1; // never reach the last column: some terminals wrap there
    if (line.length() > width) {
      line = line.substring(0, Math.max(0, width - 3)) + "...";
    }
    err.print(ERASE_LINE + line);
    statusShown = true;
  }

  private void eraseStatus() {
    if (statusShown) {
      err.print(ERASE_LINE);
      statusShown = false;
    }
  }

  private static int columns() {
    String c = System.getenv("COLUMNS");
    if (c != null && c.matches("\\d{1,4}") && Integer.parseInt(c) >= 20) {
      return Integer.parseInt(c);
    }
    return 80;
  }

  private String elapsedPrefix() {
    return String.format(Locale.ROOT, "[%6.2fs] ", (System.nanoTime() - start) / 1e9);
  }

  private BigDecimal elapsedSeconds() {
    return BigDecimal.valueOf(System.nanoTime() - start, 9).setScale(3, RoundingMode.HALF_UP);
  }

  /** t, event, level and message first, then the event's own fields (their text redacted). */
  private String json(BuildEvent event, String text) {
    ObjectNode node = JSON.createObjectNode();
    node.put("t", elapsedSeconds());
    node.put("event", kebab(event.getClass().getSimpleName()));
    node.put("level", event.level().name().toLowerCase(Locale.ROOT));
    node.put("message", text);
    JsonNode fields;
    try {
      fields = JSON.valueToTree(event);
    } catch (IllegalArgumentException e) {
      return node.toString(); // an event Jackson cannot map still reports its step; the build goes on
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = fields.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (!node.has(field.getKey())) {
        node.set(field.getKey(), redacted(field.getValue()));
      }
    }
    return node.toString();
  }

  private static JsonNode redacted(JsonNode value) {
    if (value.isTextual()) {
      return TextNode.valueOf(Credentials.redact(value.asText()));
    }
    if (value.isContainerNode()) {
      JsonNode copy = value.deepCopy();
      if (copy.isObject()) {
        ObjectNode o = (ObjectNode) copy;
        o.fields().forEachRemaining(f -> f.setValue(redacted(f.getValue())));
      } else {
        var a = (com.fasterxml.jackson.databind.node.ArrayNode) copy;
        for (int i = 0; i < a.size(); i++) {
          a.set(i, redacted(a.get(i)));
        }
      }
      return copy;
    }
    return value;
  }

  /** {@code LayerWritten} as {@code layer-written}. */
  static String kebab(String name) {
    return name.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
  }
}
