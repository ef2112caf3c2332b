package dev.apkimg.cli;

import dev.apkimg.api.BuildEvent;
import dev.apkimg.api.BuildEvent.Sizes;
import dev.apkimg.api.BuildProgress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code --progress tty} draws below the finished lines: one header per step under way (the
 * fetch, the layer or the push of one architecture or reference), with a line per download or
 * blob in flight, as {@link BuildProgress} folds them from the events. Not thread-safe: the
 * printer holds its lock.
 */
final class LiveProgress {
  /** Downloads or blobs drawn per step, the most recently started; the rest are counted. */
  static final int MAX_IN_FLIGHT = 6;
  private static final int BAR = 20;

  private final BuildProgress progress = new BuildProgress();

  /** Takes in one event at {@code now} (nanos). */
  void on(BuildEvent event, long now) {
    progress.on(event, now);
  }

  boolean isEmpty() {
    return progress.isEmpty();
  }

  /** The block to draw at {@code now}: each header starts with {@code prefix}, the elapsed time. */
  List<String> lines(String prefix, long now) {
    List<String> lines = new ArrayList<>();
    for (BuildProgress.Step step : progress.steps()) {
      if (step instanceof BuildProgress.Fetch f) {
        fetch(f, prefix, now, lines);
      } else if (step instanceof BuildProgress.Layer l) {
        layer(l.last(), prefix, lines);
      } else if (step instanceof BuildProgress.Push p) {
        push(p, prefix, now, lines);
      }
    }
    return lines;
  }

  private static void fetch(BuildProgress.Fetch f, String prefix, long now, List<String> lines) {
    lines.add(prefix + "fetching " + f.arch() + ": " + f.done() + "/" + f.packages() + " packages, "
        + Sizes.of(f.bytes()) + ", " + Sizes.rate(f.bytes(), now - f.startNanos()));
    transfers(f.inFlight(), lines);
  }

  private static void layer(BuildEvent.LayerWriting last, String prefix, List<String> lines) {
    StringBuilder header = new StringBuilder(prefix).append("writing the layer for ").append(last.arch()).append(": ")
        .append(last.packages()).append('/').append(last.totalPackages()).append(" packages, ")
        .append(Sizes.of(last.bytes()));
    if (last.expected() > 0) {
      header.append(" of ").append(Sizes.of(last.expected())).append(" (").append(percent(last.bytes(), last.expected()))
          .append("%)");
    }
    lines.add(header.toString());
    if (last.expected() > 0) {
      lines.add("  " + bar(last.bytes(), last.expected()));
    }
  }

  private static void push(BuildProgress.Push p, String prefix, long now, List<String> lines) {
    List<String> how = new ArrayList<>();
    if (p.uploaded() > 0) {
      how.add(p.uploaded() + " uploaded");
    }
    if (p.exists() > 0) {
      how.add(p.exists() + " already there");
    }
    if (p.mounted() > 0) {
      how.add(p.mounted() + " mounted");
    }
    lines.add(prefix + "pushing " + p.reference() + ": " + p.done() + "/" + p.blobs() + " blobs"
        + (how.isEmpty() ? "" : " (" + String.join(", ", how) + ")") + ", " + Sizes.of(p.bytes()) + ", "
        + Sizes.rate(p.bytes(), now - p.startNanos()));
    Map<String, BuildProgress.Transfer> shortened = new LinkedHashMap<>();
    p.inFlight().forEach((digest, t) -> shortened.put(Sizes.shortDigest(digest), t));
    transfers(shortened, lines);
  }

  /** The {@link #MAX_IN_FLIGHT} most recently started, then how many more. */
  private static void transfers(Map<String, BuildProgress.Transfer> inFlight, List<String> lines) {
    int skip = Math.max(0, inFlight.size() - MAX_IN_FLIGHT);
    Iterator<Map.Entry<String, BuildProgress.Transfer>> it = inFlight.entrySet().iterator();
    for (int i = 0; i < skip; i++) {
      it.next();
    }
    List<Map.Entry<String, BuildProgress.Transfer>> shown = new ArrayList<>();
    it.forEachRemaining(shown::add);
    int width = shown.stream().mapToInt(e -> e.getKey().length()).max().orElse(0);
    for (Map.Entry<String, BuildProgress.Transfer> e : shown) {
      BuildProgress.Transfer t = e.getValue();
      String name = String.format(Locale.ROOT, "%-" + width + "s", e.getKey());
      lines.add(t.size() > 0
          ? String.format(Locale.ROOT, "  %s  %s  %9s of %s", name, bar(t.bytes(), t.size()), Sizes.of(t.bytes()),
              Sizes.of(t.size()))
          : String.format(Locale.ROOT, "  %s  %9s", name, Sizes.of(t.bytes())));
    }
    if (skip > 0) {
      lines.add("  +" + skip + " more");
    }
  }

  private static int percent(long bytes, long of) {
    // Installed sizes are what indexes declare: the content may come out a little larger.
    return (int) Math.min(100, bytes * 100 / of);
  }

  static String bar(long bytes, long of) {
    int filled = (int) Math.min(BAR, Math.max(0, Math.round((double) BAR * bytes / of)));
    return "[" + "#".repeat(filled) + "-".repeat(BAR - filled) + "]";
  }
}
