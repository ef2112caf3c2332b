package dev.apkimg.maven;

import dev.apkimg.api.BuildEvent;
import dev.apkimg.api.BuildEvent.Sizes;
import dev.apkimg.api.BuildListener;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.maven.plugin.logging.Log;

/**
 * The core's events in Maven's log: steps as info, details as debug ({@code -X}). Maven's log is
 * lines, so bytes-so-far become at most one info line per step every {@link #PROGRESS_LINE_SECONDS}
 * seconds, and only for a step that runs longer than that (a fetch, a layer, a push).
 */
final class MavenBuildListener implements BuildListener {
  /** The least time between two progress lines of one step, and before its first. */
  static final long PROGRESS_LINE_SECONDS = 2;

  private final Log log;
  private final LongSupplier clock;
  /** The steps under way: a fetch or a layer per architecture, a push per reference. */
  private final Map<String, Step> steps = new HashMap<>();

  MavenBuildListener(Log log) {
    this(log, System::nanoTime);
  }

  /** {@code clock} gives nanos, as {@link System#nanoTime()}. */
  MavenBuildListener(Log log, LongSupplier clock) {
    this.log = log;
    this.clock = clock;
  }

  @Override
  public synchronized void on(BuildEvent event) {
    String line = MavenMessages.line(event);
    switch (event.level()) {
      case INFO -> log.info(line);
      case WARNING -> log.warn(line);
      case DETAIL -> log.debug(line);
      case PROGRESS -> { } // drawn below, every few seconds
    }
    long now = clock.getAsLong();
    Step step = track(event, now);
    if (step != null && now - step.lastLine >= TimeUnit.SECONDS.toNanos(PROGRESS_LINE_SECONDS)) {
      log.info("apkimg: " + step.line(now));
      step.lastLine = now;
    }
  }

  /** Takes the event into its step's state; returns the step still under way, or null. */
  private Step track(BuildEvent event, long now) {
    if (event instanceof BuildEvent.Fetching f) {
      steps.put("fetch " + f.arch(), new Fetch(f.arch(), f.packages(), now));
    } else if (event instanceof BuildEvent.Downloading d) {
      Fetch fetch = fetch(d.arch(), now);
      fetch.inFlight.put(d.pkg(), d.bytes());
      return fetch;
    } else if (event instanceof BuildEvent.Downloaded d) {
      Fetch fetch = fetch(d.arch(), now);
      fetch.inFlight.remove(d.pkg());
      fetch.done++;
      fetch.doneBytes += d.bytes();
      return fetch;
    } else if (event instanceof BuildEvent.Cached c) {
      // Done without a download: counted, not in the bytes.
      Fetch fetch = fetch(c.arch(), now);
      fetch.done++;
      return fetch;
    } else if (event instanceof BuildEvent.Fetched f) {
      steps.remove("fetch " + f.arch());
    } else if (event instanceof BuildEvent.LayerWriting w) {
      Layer layer = (Layer) steps.computeIfAbsent("layer " + w.arch(), k -> new Layer(now));
      layer.last = w;
      return layer;
    } else if (event instanceof BuildEvent.LayerWritten w) {
      steps.remove("layer " + w.arch());
    } else if (event instanceof BuildEvent.BlobPushing b) {
      Push push = push(b.reference(), now);
      push.inFlight.put(b.digest(), b.bytes());
      return push;
    } else if (event instanceof BuildEvent.BlobPushed b) {
      Push push = push(b.reference(), now);
      push.inFlight.remove(b.digest());
      push.done++;
      if (b.transfer() == BuildEvent.BlobPushed.Transfer.UPLOADED) {
        push.doneBytes += b.size();
      }
      return push;
    } else if (event instanceof BuildEvent.Pushed p) {
      steps.remove("push " + p.reference());
    }
    return null;
  }

  private Fetch fetch(String arch, long now) {
    return (Fetch) steps.computeIfAbsent("fetch " + arch, k -> new Fetch(arch, 0, now));
  }

  private Push push(String reference, long now) {
    return (Push) steps.computeIfAbsent("push " + reference, k -> new Push(reference, now));
  }

  private abstract static class Step {
    final long start;
    long lastLine;

    Step(long start) {
      this.start = start;
      this.lastLine = start;
    }

    abstract String line(long now);
  }

  private static final class Fetch extends Step {
    final String arch;
    final int total;
    final Map<String, Long> inFlight = new HashMap<>();
    int done;
    long doneBytes;

    Fetch(String arch, int total, long start) {
      super(start);
      this.arch = arch;
      this.total = total;
    }

    @Override
    String line(long now) {
      long bytes = doneBytes + inFlight.values().stream().mapToLong(Long::longValue).sum();
      return "downloading " + done + " of " + Math.max(total, done + inFlight.size()) + " packages for " + arch + ", "
          + Sizes.of(bytes) + ", " + Sizes.rate(bytes, now - start);
    }
  }

  private static final class Layer extends Step {
    BuildEvent.LayerWriting last;

    Layer(long start) {
      super(start);
    }

    @Override
    String line(long now) {
      return "writing the layer for " + last.arch() + ": " + last.packages() + " of " + last.totalPackages()
          + " packages, " + (last.expected() > 0 ? Math.min(100, last.bytes() * 100 / last.expected()) + "%"
              : Sizes.of(last.bytes()));
    }
  }

  private static final class Push extends Step {
    final String reference;
    final Map<String, Long> inFlight = new HashMap<>();
    int done;
    long doneBytes;

    Push(String reference, long start) {
      super(start);
      this.reference = reference;
    }

    @Override
    String line(long now) {
      long bytes = doneBytes + inFlight.values().stream().mapToLong(Long::longValue).sum();
      // The events name no total: the blobs seen so far are the total so far.
      return "pushing " + done + " of " + (done + inFlight.size()) + " blobs to " + reference + ", " + Sizes.of(bytes)
          + " uploaded";
    }
  }
}
