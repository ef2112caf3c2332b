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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * {@code --progress}: a build's events on stderr as plain lines with the elapsed seconds, as one
 * JSON object per line, or on a terminal as finished lines above a live block redrawn in place
 * (the steps under way with their downloads, layer and blobs; see {@link LiveProgress}). Stdout
 * is never touched: it carries the digest alone.
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
  /** Moves up one line (to the line above, same column). */
  static final String CURSOR_UP = "\u001b[1A";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long REDRAW_MILLIS = 150;
  /** The printers drawing a live block now: an interrupted run erases them before its last line. */
  private static final Set<ProgressPrinter> LIVE = ConcurrentHashMap.newKeySet();

  private final Mode mode;
  private final PrintWriter err;
  private final boolean quiet;
  private final boolean verbose;
  /** Whether a block is drawn below the finished lines (tty without --quiet). */
  private final boolean live;
  private final int columns;
  private final LongSupplier clock;
  private final long start;
  private final LiveProgress steps = new LiveProgress();
  private final ScheduledExecutorService ticker;
  /** In json mode, apkimg's diagnostics logger while this printer holds it (see {@link #takeDiagnostics()}). */
  private final Logger diagnostics = Logger.getLogger("dev.apkimg");
  private Handler[] diagnosticHandlers = new Handler[0];
  private Handler diagnosticEvents;
  private String status = "starting";
  /** How many lines of the block are on the screen; the cursor is at the end of the last one. */
  private int shownLines;
  private boolean closed;

  private ProgressPrinter(Mode mode, PrintWriter err, boolean quiet, boolean verbose, int columns, LongSupplier clock,
      boolean tick) {
    this.mode = mode;
    this.err = err;
    this.quiet = quiet;
    this.verbose = verbose;
    this.columns = columns;
    this.clock = clock;
    this.start = clock.getAsLong();
    // --quiet asks for errors and the result only: no live block either.
    this.live = mode == Mode.TTY && !quiet;
    if (live) {
      LIVE.add(this);
    }
    if (mode == Mode.JSON) {
      takeDiagnostics();
    }
    if (live && tick) {
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
    Mode resolved = mode.resolved();
    return new ProgressPrinter(resolved, err, quiet, verbose, resolved == Mode.TTY ? terminalColumns() : 80,
        System::nanoTime, true);
  }

  /**
   * A printer that draws its live block only when {@link #redraw()} is called, {@code columns}
   * wide, its times from {@code clock} (nanos): one frame at a time, for tests.
   */
  static ProgressPrinter withoutTicker(Mode mode, PrintWriter err, boolean quiet, boolean verbose, int columns,
      LongSupplier clock) {
    return new ProgressPrinter(mode, err, quiet, verbose, columns, clock, false);
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
      // Bytes so far: the live block draws them, json hands them on, plain lines leave them out.
      case PROGRESS -> mode == Mode.JSON && !quiet;
    };
    if (!shown && !live) {
      return;
    }
    if (!shown && event.level() == BuildEvent.Level.PROGRESS) {
      steps.on(event, clock.getAsLong()); // the ticker draws it: not every event, which would flood the terminal
      return;
    }
    String text = Credentials.redact(Hints.line(event));
    String line = (event.level() == BuildEvent.Level.WARNING ? "apkimg: warning: " : "") + text;
    switch (mode) {
      case JSON -> err.println(json(event, text));
      case TTY -> {
        if (live) {
          steps.on(event, clock.getAsLong());
          status = text; // the build is at this step now
        }
        if (shown) {
          // The finished line goes above the block; the block is drawn again at once, not at the next tick.
          StringBuilder screen = new StringBuilder();
          erase(screen);
          screen.append(elapsedPrefix()).append(line).append(System.lineSeparator());
          draw(screen);
          err.print(screen);
        }
        // Otherwise the ticker draws the new state: not every event, which would flood the terminal.
      }
      default -> err.println(elapsedPrefix() + line);
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

  /**
   * Stops redrawing and erases the live block, before the result or the error is printed: the
   * cursor is left at the start of an empty line.
   */
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
      LIVE.remove(this);
      if (closed) {
        return;
      }
      closed = true;
      if (diagnosticEvents != null) {
        diagnostics.removeHandler(diagnosticEvents);
        for (Handler h : diagnosticHandlers) {
          diagnostics.addHandler(h);
        }
      }
      if (live) {
        StringBuilder screen = new StringBuilder();
        erase(screen);
        err.print(screen);
        err.flush();
      }
    }
  }

  /**
   * With --verbose, Main prints apkimg's diagnostics (jib's among them) as text lines on stderr: in
   * json mode they would break the stream of objects, so while this printer is open they come
   * through it, each as an object {@code {"t":..,"event":"log","level":"debug","message":..}}.
   */
  private void takeDiagnostics() {
    diagnosticHandlers = diagnostics.getHandlers();
    if (diagnosticHandlers.length == 0) {
      return; // not --verbose: nothing is logged
    }
    for (Handler h : diagnosticHandlers) {
      diagnostics.removeHandler(h);
    }
    Formatter text = new SimpleFormatter();
    diagnosticEvents = new Handler() {
      @Override
      public void publish(LogRecord record) {
        if (isLoggable(record)) {
          logged(text.formatMessage(record).lines().findFirst().orElse(""));
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    diagnosticEvents.setLevel(diagnosticHandlers[0].getLevel());
    diagnostics.addHandler(diagnosticEvents);
  }

  private synchronized void logged(String message) {
    if (!closed) {
      ObjectNode node = JSON.createObjectNode();
      node.put("t", elapsedSeconds());
      node.put("event", "log");
      node.put("level", "debug");
      node.put("message", Credentials.redact(message));
      err.println(node.toString());
      err.flush();
    }
  }

  /**
   * After SIGINT or SIGTERM, from the shutdown hook: erases every live block, so the line that
   * says the run was interrupted starts on a clean line and the terminal is left as it was.
   */
  static void closeAll() {
    for (ProgressPrinter printer : List.copyOf(LIVE)) {
      printer.close();
    }
  }

  /** Draws the live block again with the state of now; the ticker calls it. */
  synchronized void redraw() {
    if (!closed && live) {
      StringBuilder screen = new StringBuilder();
      erase(screen);
      draw(screen);
      err.print(screen); // one write: the terminal never shows the block half drawn
      err.flush();
    }
  }

  /** The lines of the live block at this moment, each within the width. */
  synchronized List<String> frame() {
    List<String> lines = steps.lines(elapsedPrefix(), clock.getAsLong());
    if (lines.isEmpty()) {
      lines = List.of(elapsedPrefix() + status);
    }
    int width = columns - 1; // never reach the last column: some terminals wrap there
    // Names come from indexes: a control character would move the cursor the erase relies on.
    return lines.stream().map(l -> l.replaceAll("[\\x00-\\x1f\\x7f-\\x9f]", "?"))
        .map(l -> l.length() > width ? l.substring(0, Math.max(0, width - 3)) + "..." : l).toList();
  }

  private void draw(StringBuilder screen) {
    if (!live) {
      return;
    }
    List<String> lines = frame();
    screen.append(String.join(System.lineSeparator(), lines));
    shownLines = lines.size();
  }

  /** Erases the block from its last line up: the cursor ends at the start of the block's first line. */
  private void erase(StringBuilder screen) {
    for (int i = 0; i < shownLines; i++) {
      screen.append(i == 0 ? "" : CURSOR_UP).append(ERASE_LINE);
    }
    shownLines = 0;
  }

  /**
   * The terminal's width: COLUMNS when exported, else what {@code stty size} says of the
   * controlling terminal, else 80.
   */
  private static int terminalColumns() {
    String c = System.getenv("COLUMNS");
    if (c != null && c.matches("\\d{1,4}") && Integer.parseInt(c) >= 20) {
      return Integer.parseInt(c);
    }
    try {
      Process stty = new ProcessBuilder("stty", "size").redirectInput(new java.io.File("/dev/tty"))
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      if (stty.waitFor(1, TimeUnit.SECONDS)) {
        String[] rowsColumns = new String(stty.getInputStream().readNBytes(32), java.nio.charset.StandardCharsets.US_ASCII)
            .strip().split(" ");
        if (stty.exitValue() == 0 && rowsColumns.length == 2 && rowsColumns[1].matches("\\d{2,4}")) {
          return Integer.parseInt(rowsColumns[1]);
        }
      } else {
        stty.destroyForcibly();
      }
    } catch (java.io.IOException e) {
      // no stty, or no controlling terminal: the usual width
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 80;
  }

  private String elapsedPrefix() {
    return String.format(Locale.ROOT, "[%6.2fs] ", (clock.getAsLong() - start) / 1e9);
  }

  private BigDecimal elapsedSeconds() {
    return BigDecimal.valueOf(clock.getAsLong() - start, 9).setScale(3, RoundingMode.HALF_UP);
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
