package dev.apkimg.bench;

import dev.apkimg.apk.ApkIndex;
import dev.apkimg.apk.ApkIndexReader;
import dev.apkimg.apk.Dependency;
import dev.apkimg.apk.PackageInfo;
import dev.apkimg.repo.Keyring;
import dev.apkimg.repo.Repository;
import dev.apkimg.resolve.RepositoryPackage;
import dev.apkimg.resolve.Resolution;
import dev.apkimg.resolve.Resolver;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Reading and verifying Alpine's real 3.17 aarch64 index (5,004 packages), and resolving a
 * 40-package world on it. The index is read from memory so that the disk is not measured.
 * {@code -Dapkimg.shared=DIR} points at ../shared (default: ../shared).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ResolverBenchmark {
  /** 40 names of the 3.17 main index: servers, languages, libraries and tools. */
  static final List<String> WORLD_40 = List.of(
      "alpine-baselayout", "busybox", "apk-tools", "musl-utils", "ca-certificates", "openssl", "curl", "wget",
      "bash", "coreutils", "git", "openssh", "nginx", "postgresql15", "redis", "python3", "perl", "lua5.4",
      "make", "gcc", "g++", "cmake", "zstd", "xz", "tar", "gzip", "jq", "sqlite", "libxml2", "libxslt",
      "icu-libs", "gettext", "ncurses", "readline", "tzdata", "rsync", "util-linux", "e2fsprogs",
      "iproute2", "strace");

  private byte[] indexBytes;
  private Keyring keyring;
  private Resolver resolver;
  private List<Dependency> world;

  @Setup
  public void setUp() throws IOException {
    Path shared = Path.of(System.getProperty("apkimg.shared", "../shared"));
    Path fixtures = shared.resolve("fixtures");
    indexBytes = Files.readAllBytes(fixtures.resolve("mirror/v3.17/main/aarch64/APKINDEX.tar.gz"));
    keyring = Keyring.of(List.of(fixtures.resolve("alpine-keys/aarch64").toString()), null, null, null);
    ApkIndex index = readIndex();
    if (!index.signature().isVerified() || index.packages().size() != 5004) {
      throw new IllegalStateException("unexpected index: " + index.signature().describe());
    }
    Repository repo = Repository.parse(fixtures.resolve("mirror/v3.17/main").toString(), null);
    List<RepositoryPackage> available = new ArrayList<>();
    for (PackageInfo p : index.packages()) {
      available.add(new RepositoryPackage(p, repo, 0));
    }
    resolver = new Resolver(available);
    world = WORLD_40.stream().map(Dependency::parse).collect(Collectors.toList());
    Resolution r = resolver.resolve(world);
    System.err.println("world of " + world.size() + " resolves to " + r.packages().size() + " packages");
  }

  @Benchmark
  public ApkIndex readAndVerifyIndex() throws IOException {
    return readIndex();
  }

  @Benchmark
  public Resolution resolveWorldOf40() {
    return resolver.resolve(world);
  }

  private ApkIndex readIndex() throws IOException {
    return ApkIndexReader.read(new BufferedInputStream(new ByteArrayInputStream(indexBytes)), keyring);
  }
}
