package dev.apkimg.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The steps of a build under way, folded from its events, for front ends that show progress (a
 * terminal's live display, Maven's log): one fetch or layer per architecture, one push per
 * reference. A step starts with its first event and ends with the INFO event that reports it done
 * ({@link BuildEvent.Fetched}, {@link BuildEvent.LayerWritten}, {@link BuildEvent.Pushed}). Not
 * thread-safe: a listener feeds it under its own lock (a build sends one event at a time anyway).
 */
public final class BuildProgress {
  /** One step under way, as it stands; {@code startNanos} is the time of its first event. */
  public sealed interface Step permits Fetch, Layer, Push {
    long startNanos();
  }

  /** Bytes so far of a download or blob, of {@code size} (0: unknown). */
  public record Transfer(long bytes, long size) {}

  /**
   * Fetching the packages of {@code arch}: {@code total} of them ({@link BuildEvent.Fetching}; 0
   * if it was not seen), {@code done} verified (downloaded or taken from the cache), {@code
   * doneBytes} downloaded by those, and the downloads in flight, the most recently started last.
   */
  public record Fetch(String arch, int total, long startNanos, int done, long doneBytes,
      Map<String, Transfer> inFlight) implements Step {
    public Fetch {
      inFlight = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(inFlight));
    }

    /** The bytes downloaded so far, finished downloads and those in flight. */
    public long bytes() {
      return doneBytes + inFlight.values().stream().mapToLong(Transfer::bytes).sum();
    }

    /** The packages of the step: its total, or more when more were seen. */
    public int packages() {
      return Math.max(total, done + inFlight.size());
    }
  }

  /** Writing the layers of {@code last.arch()}: the latest {@link BuildEvent.LayerWriting}. */
  public record Layer(long startNanos, BuildEvent.LayerWriting last) implements Step {}

  /**
   * Pushing to {@code reference}: blobs uploaded ({@code uploadedBytes} in all), already there,
   * mounted, and those in flight (by digest, the most recently started last). The events name no
   * total: the blobs seen so far are the total so far.
   */
  public record Push(String reference, long startNanos, int uploaded, int exists, int mounted, long uploadedBytes,
      Map<String, Transfer> inFlight) implements Step {
    public Push {
      inFlight = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(inFlight));
    }

    public int done() {
      return uploaded + exists + mounted;
    }

    /** The blobs seen so far. */
    public int blobs() {
      return done() + inFlight.size();
    }

    /** The bytes uploaded so far, finished blobs and those in flight. */
    public long bytes() {
      return uploadedBytes + inFlight.values().stream().mapToLong(Transfer::bytes).sum();
    }
  }

  private final Map<String, Step> steps = new LinkedHashMap<>();

  /**
   * Takes in one event at {@code now} (nanos, as {@link System#nanoTime()}); returns the step it
   * moved on, still under way, or null (an event of no step, or one that ended its step).
   */
  public Step on(BuildEvent event, long now) {
    if (event instanceof BuildEvent.Fetching f) {
      return put("fetch " + f.arch(), new Fetch(f.arch(), f.packages(), now, 0, 0, Map.of()));
    } else if (event instanceof BuildEvent.Downloading d) {
      Fetch f = fetch(d.arch(), now);
      Map<String, Transfer> inFlight = new LinkedHashMap<>(f.inFlight());
      inFlight.put(d.pkg(), new Transfer(d.bytes(), d.size()));
      return put("fetch " + d.arch(), new Fetch(f.arch(), f.total(), f.startNanos(), f.done(), f.doneBytes(), inFlight));
    } else if (event instanceof BuildEvent.Downloaded d) {
      Fetch f = fetch(d.arch(), now);
      Map<String, Transfer> inFlight = new LinkedHashMap<>(f.inFlight());
      inFlight.remove(d.pkg());
      return put("fetch " + d.arch(),
          new Fetch(f.arch(), f.total(), f.startNanos(), f.done() + 1, f.doneBytes() + d.bytes(), inFlight));
    } else if (event instanceof BuildEvent.Cached c) {
      // Done, but not downloaded: counted, and left out of the bytes (and so of any rate).
      Fetch f = fetch(c.arch(), now);
      return put("fetch " + c.arch(),
          new Fetch(f.arch(), f.total(), f.startNanos(), f.done() + 1, f.doneBytes(), f.inFlight()));
    } else if (event instanceof BuildEvent.Fetched f) {
      steps.remove("fetch " + f.arch());
    } else if (event instanceof BuildEvent.LayerWriting w) {
      Step before = steps.get("layer " + w.arch());
      return put("layer " + w.arch(), new Layer(before == null ? now : before.startNanos(), w));
    } else if (event instanceof BuildEvent.LayerWritten w) {
      steps.remove("layer " + w.arch());
    } else if (event instanceof BuildEvent.BlobPushing b) {
      Push p = push(b.reference(), now);
      Map<String, Transfer> inFlight = new LinkedHashMap<>(p.inFlight());
      inFlight.put(b.digest(), new Transfer(b.bytes(), b.size()));
      return put("push " + b.reference(), new Push(p.reference(), p.startNanos(), p.uploaded(), p.exists(),
          p.mounted(), p.uploadedBytes(), inFlight));
    } else if (event instanceof BuildEvent.BlobPushed b) {
      Push p = push(b.reference(), now);
      Map<String, Transfer> inFlight = new LinkedHashMap<>(p.inFlight());
      inFlight.remove(b.digest());
      boolean uploaded = b.transfer() == BuildEvent.BlobPushed.Transfer.UPLOADED;
      return put("push " + b.reference(), new Push(p.reference(), p.startNanos(), p.uploaded() + (uploaded ? 1 : 0),
          p.exists() + (b.transfer() == BuildEvent.BlobPushed.Transfer.EXISTS ? 1 : 0),
          p.mounted() + (b.transfer() == BuildEvent.BlobPushed.Transfer.MOUNTED ? 1 : 0),
          p.uploadedBytes() + (uploaded ? b.size() : 0), inFlight));
    } else if (event instanceof BuildEvent.Pushed p) {
      steps.remove("push " + p.reference());
    }
    return null;
  }

  /** The steps under way, in the order they started. */
  public List<Step> steps() {
    return List.copyOf(new ArrayList<>(steps.values()));
  }

  public boolean isEmpty() {
    return steps.isEmpty();
  }

  private Step put(String key, Step step) {
    steps.put(key, step); // an existing key keeps its place: steps stay in the order they started
    return step;
  }

  private Fetch fetch(String arch, long now) {
    // A download without its Fetching (not sent, or sent before this listener): a step of unknown size.
    return steps.get("fetch " + arch) instanceof Fetch f ? f : new Fetch(arch, 0, now, 0, 0, Map.of());
  }

  private Push push(String reference, long now) {
    return steps.get("push " + reference) instanceof Push p ? p : new Push(reference, now, 0, 0, 0, 0, Map.of());
  }
}
