package dev.apkimg.rootfs;

import dev.apkimg.apk.KeyLookup;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Merges the data streams of packages, in install order, into one gzipped tar layer that is the
 * root filesystem apk would have made, plus apk's database and configuration.
 *
 * <p>Two passes over the (cached, verified) package files keep memory flat whatever the package
 * sizes: the first ({@link PackageScanner}, then {@link LayerPlan}) learns every path and which
 * package finally owns it; the second ({@link LayerEntryWriter}) streams each winning entry's
 * bytes straight from the package into the layer ({@link LayerOutput}). Entry order follows
 * install order and tar order, and every header field is fixed by content, so the bytes are the
 * same on every run.
 *
 * <p>Packages are outside input. Every entry obeys {@link PackageEntryRules} (apk-tools' rules:
 * clean relative names, folders made by the package first, hardlinks to its own earlier files);
 * no entry goes through a link, and none stands where apk writes its own files
 * ({@link ApkCreatedEntries}); a package's files may not add up to more than its index entry's
 * installed size ({@link PackageScanner#SIZE_SLACK}); file bytes are streamed, and only files
 * that mutations edit are held, up to {@link PackageScanner#MAX_HELD_FILE}.
 */
public final class LayerWriter {
  /** How far writing the layers has come. */
  @FunctionalInterface
  public interface Progress {
    /**
     * {@code packages} of {@code totalPackages} are in the layers, with {@code bytes} of file
     * content (uncompressed) so far: at most every
     * {@link dev.apkimg.ProgressThrottle#EVENT_INTERVAL_MILLIS}, with nothing written yet when it
     * begins (the packages are read to plan the layers first), and once at the end, when
     * {@code packages == totalPackages} and {@code bytes} is the file content of every layer
     * written (layered by packages: each package's own layer too).
     */
    void writing(int packages, int totalPackages, long bytes);
  }

  private final KeyLookup keys;
  private final Path cacheDir;
  private final boolean reuseLayers;
  private final Progress progress;

  /** A writer that scans every package (no cache). */
  public LayerWriter(KeyLookup keys) {
    this(keys, null);
  }

  /**
   * A writer that keeps each package's scan in {@code cacheDir} ({@link ScanCache}), so a warm
   * build plans the layer without inflating the packages; null for none.
   */
  public LayerWriter(KeyLookup keys, Path cacheDir) {
    this(keys, cacheDir, true, null);
  }

  private LayerWriter(KeyLookup keys, Path cacheDir, boolean reuseLayers, Progress progress) {
    this.keys = keys;
    this.cacheDir = cacheDir;
    this.reuseLayers = reuseLayers;
    this.progress = progress;
  }

  /**
   * This writer, taking a one-layer root filesystem from the cache ({@link LayerReuse}) when one
   * with the same planned content is there, or (false) always writing it.
   */
  public LayerWriter reusingLayers(boolean reuse) {
    return new LayerWriter(keys, cacheDir, reuse, progress);
  }

  /** This writer, reporting how far it has come to {@code progress}. */
  public LayerWriter reportingTo(Progress progress) {
    return new LayerWriter(keys, cacheDir, reuseLayers, progress);
  }

  /** Writes the layer to {@code output} (atomically: nothing is left there on failure). */
  public LayerResult write(List<PackageSource> packages, RootfsSpec spec, Path output) throws IOException {
    Planned p = plan(packages, spec);
    LayerMeter meter = p.entries.meter;
    if (cacheDir == null || !reuseLayers) {
      LayerResult written = LayerOutput.write(output, p.entries::write, p.tree.reports());
      meter.finish();
      return written;
    }
    LayerReuse reuse = new LayerReuse(cacheDir);
    String key = p.entries.contentDigest();
    LayerResult cached = reuse.find(key, output, p.tree.reports());
    if (cached != null) {
      if (progress != null) {
        meter.reused(fileBytes(p.entries));
      }
      return cached;
    }
    LayerResult written = LayerOutput.write(output, p.entries::write, p.tree.reports());
    meter.finish();
    reuse.store(key, written);
    return written;
  }

  /** The bytes of file content the layer has, from its plan (no package is read). */
  private static long fileBytes(LayerEntryWriter entries) throws IOException {
    long[] total = {0};
    entries.plan((h, content, from) -> {
      if (h.isRegular()) {
        total[0] += h.size();
      }
    });
    return total[0];
  }

  /**
   * The same root filesystem as {@link #write}, as layers: each package's data stream verbatim
   * (at most {@code budget} of them), one rebuilt layer for the packages above the budget, and a
   * top layer of what differs, all written to {@code workDir} ({@link PackageLayers}).
   */
  public PackageLayers writeLayers(List<PackageSource> packages, RootfsSpec spec, int budget, Path workDir)
      throws IOException {
    Planned p = plan(packages, spec);
    PackageLayers layers = PackageLayers.of(packages, p.scans, p.entries, p.tree.reports(), budget, workDir,
        spec.timestamp());
    p.entries.meter.finish();
    return layers;
  }

  private record Planned(List<PackageScanner.PackageScan> scans, RootfsTree tree, LayerEntryWriter entries) {}

  private Planned plan(List<PackageSource> packages, RootfsSpec spec) throws IOException {
    // Reported from the start: reading the packages to plan the layer is part of writing it.
    LayerMeter meter = progress == null ? LayerMeter.NONE : new LayerMeter(progress, packages.size());
    meter.start();
    List<RootfsMutation> mutations = new ArrayList<>();
    mutations.add(new InstallScriptEffects());
    mutations.addAll(spec.mutations());
    Set<String> captures = new HashSet<>();
    mutations.forEach(m -> captures.addAll(m.reads()));
    // Reading (inflating, verifying) is independent per package: do it in parallel, then decide
    // ownership in install order, so the result does not depend on timing.
    List<PackageScanner.PackageScan> scans = new PackageScanner(keys, captures, cacheDir).scanAll(packages);
    LayerPlan plan = LayerPlan.of(packages, scans);
    Map<String, GeneratedEntry> generated = new TreeMap<>();
    ApkDatabaseFiles.add(plan, packages, spec, generated);
    ApkCreatedEntries.addBusyboxLinks(plan, generated);
    ApkCreatedEntries.checkApkPaths(plan, packages, generated);
    RootfsTree tree = PlannedTree.of(plan, spec, generated);
    for (RootfsMutation m : mutations) {
      m.apply(tree);
    }
    LayerEntryWriter entries = new LayerEntryWriter(keys, plan, packages, spec, tree, generated);
    entries.meter = meter;
    return new Planned(scans, tree, entries);
  }
}
