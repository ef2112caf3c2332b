package dev.apkimg.cli;

import dev.apkimg.api.BuildEvent;
import dev.apkimg.api.BuildEvent.Sizes;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code --progress tty} draws below the finished lines: one header per step under way (the
 * fetch, the layer or the push of one architecture or reference), with a line per download or
 * blob in flight. Steps start with their first event and end with the INFO event that reports
 * them done ({@code Fetched}, {@code LayerWritten}, {@code Pushed}). Not thread-safe: the printer
 * holds its lock.
 */
final class LiveProgress {
  /** Downloads or blobs drawn per step, the most recently started; the rest are counted. */
  static final int MAX_IN_FLIGHT = 6;
  private static final int BAR = 20;

  private final Map<String, Step> steps = new LinkedHashMap<>();

  /** Takes in one event at {@code now} (nanos). */
  void on(BuildEvent event, long now) {
    if (event instanceof BuildEvent.Fetching f) {
      steps.put(fetchKey(f.arch()), new Fetch(f.arch(), f.packages(), now));
    } else if (event instanceof BuildEvent.Downloading d) {
      Fetch fetch = fetch(d.arch(), now);
      fetch.inFlight.put(d.pkg(), new Transfer(d.bytes(), d.size()));
    } else if (event instanceof BuildEvent.Downloaded d) {
      Fetch fetch = fetch(d.arch(), now);
      fetch.inFlight.remove(d.pkg());
      fetch.done++;
      fetch.doneBytes += d.bytes();
    } else if (event instanceof BuildEvent.Cached d) {
      // Done, but not downloaded: counted, and left out of the bytes and the rate.
      fetch(d.arch(), now).done++;
    } else if (event instanceof BuildEvent.Fetched f) {
      steps.remove(fetchKey(f.arch()));
    } else if (event instanceof BuildEvent.LayerWriting w) {
      steps.put(layerKey(w.arch()), new Layer(w));
    } else if (event instanceof BuildEvent.LayerWritten w) {
      steps.remove(layerKey(w.arch()));
    } else if (event instanceof BuildEvent.BlobPushing b) {
      push(b.reference(), now).inFlight.put(b.digest(), new Transfer(b.bytes(), b.size()));
    } else if (event instanceof BuildEvent.BlobPushed b) {
      Push push = push(b.reference(), now);
      push.inFlight.remove(b.digest());
      switch (b.transfer()) {
        case UPLOADED -> {
          push.uploaded++;
          push.uploadedBytes += b.size();
        }
        case EXISTS -> push.exists++;
        case MOUNTED -> push.mounted++;
      }
    } else if (event instanceof BuildEvent.Pushed p) {
      steps.remove(pushKey(p.reference()));
    }
  }

  boolean isEmpty() {
    return steps.isEmpty();
  }

  /** The block to draw at {@code now}: each header starts with {@code prefix}, the elapsed time. */
  List<String> lines(String prefix, long now) {
    List<String> lines = new ArrayList<>();
    for (Step step : steps.values()) {
      step.draw(prefix, now, lines);
    }
    return lines;
  }

  private Fetch fetch(String arch, long now) {
    // A download without its Fetching (not sent, or sent before this printer): a step of unknown size.
    return (Fetch) steps.computeIfAbsent(fetchKey(arch), k -> new Fetch(arch, 0, now));
  }

  private Push push(String reference, long now) {
    return (Push) steps.computeIfAbsent(pushKey(reference), k -> new Push(reference, now));
  }

  private static String fetchKey(String arch) {
    return "fetch " + arch;
  }

  private static String layerKey(String arch) {
    return "layer " + arch;
  }

  private static String pushKey(String reference) {
    return "push " + reference;
  }

  private interface Step {
    void draw(String prefix, long now, List<String> lines);
  }

  /** Bytes so far of a download or blob, of {@code size} (0: unknown). */
  private record Transfer(long bytes, long size) {}

  private static final class Fetch implements Step {
    final String arch;
    final int total;
    final long start;
    final LinkedHashMap<String, Transfer> inFlight = new LinkedHashMap<>();
    int done;
    long doneBytes;

    Fetch(String arch, int total, long start) {
      this.arch = arch;
      this.total = total;
      this.start = start;
    }

    @Override
    public void draw(String prefix, long now, List<String> lines) {
      long bytes = doneBytes + inFlight.values().stream().mapToLong(Transfer::bytes).sum();
      int of = Math.max(total, done + inFlight.size());
      lines.add(prefix + "fetching " + arch + ": " + done + "/" + of + " packages, " + Sizes.of(bytes) + ", "
          + Sizes.rate(bytes, now - start));
      transfers(inFlight, lines);
    }
  }

  private static final class Layer implements Step {
    final BuildEvent.LayerWriting last;

    Layer(BuildEvent.LayerWriting last) {
      this.last = last;
    }

    @Override
    public void draw(String prefix, long now, List<String> lines) {
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
  }

  private static final class Push implements Step {
    final String reference;
    final long start;
    final LinkedHashMap<String, Transfer> inFlight = new LinkedHashMap<>();
    int uploaded;
    int exists;
    int mounted;
    long uploadedBytes;

    Push(String reference, long start) {
      this.reference = reference;
      this.start = start;
    }

    @Override
    public void draw(String prefix, long now, List<String> lines) {
      int done = uploaded + exists + mounted;
      long bytes = uploadedBytes + inFlight.values().stream().mapToLong(Transfer::bytes).sum();
      List<String> how = new ArrayList<>();
      if (uploaded > 0) {
        how.add(uploaded + " uploaded");
      }
      if (exists > 0) {
        how.add(exists + " already there");
      }
      if (mounted > 0) {
        how.add(mounted + " mounted");
      }
      // The events name no total: the blobs seen so far are the total so far.
      lines.add(prefix + "pushing " + reference + ": " + done + "/" + (done + inFlight.size()) + " blobs"
          + (how.isEmpty() ? "" : " (" + String.join(", ", how) + ")") + ", " + Sizes.of(bytes) + ", "
          + Sizes.rate(bytes, now - start));
      Map<String, Transfer> shortened = new LinkedHashMap<>();
      inFlight.forEach((digest, t) -> shortened.put(Sizes.shortDigest(digest), t));
      transfers(shortened, lines);
    }
  }

  /** The {@link #MAX_IN_FLIGHT} most recently started, then how many more. */
  private static void transfers(Map<String, Transfer> inFlight, List<String> lines) {
    int skip = Math.max(0, inFlight.size() - MAX_IN_FLIGHT);
    Iterator<Map.Entry<String, Transfer>> it = inFlight.entrySet().iterator();
    for (int i = 0; i < skip; i++) {
      it.next();
    }
    List<Map.Entry<String, Transfer>> shown = new ArrayList<>();
    it.forEachRemaining(shown::add);
    int width = shown.stream().mapToInt(e -> e.getKey().length()).max().orElse(0);
    for (Map.Entry<String, Transfer> e : shown) {
      Transfer t = e.getValue();
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
