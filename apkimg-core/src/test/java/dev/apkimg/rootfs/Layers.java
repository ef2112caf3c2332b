package dev.apkimg.rootfs;

import dev.apkimg.apk.ApkIndexReader;
import dev.apkimg.apk.KeyLookup;
import dev.apkimg.apk.PackageInfo;
import dev.apkimg.testing.BuiltApk;
import dev.apkimg.testing.TestKey;
import dev.apkimg.testing.TestKeys;
import dev.apkimg.testing.TestPackage;
import dev.apkimg.testing.TestRepository;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/** Writes test packages into a layer and reads the layer back, for the mutation tests. */
final class Layers {
  static final TestKey KEY = TestKeys.primary();
  static final KeyLookup KEYS = name -> name.equals(KEY.name())
      ? Optional.of((PublicKey) KEY.publicKey()) : Optional.empty();
  static final long TIMESTAMP = 1700000000L;

  private Layers() {}

  record Item(TarArchiveEntry entry, byte[] content) {
    String text() {
      return new String(content, StandardCharsets.UTF_8);
    }

    int mode() {
      return entry.getMode() & 07777;
    }

    String owner() {
      return entry.getLongUserId() + ":" + entry.getLongGroupId();
    }
  }

  static List<PackageSource> sources(Path dir, TestPackage... pkgs) throws IOException {
    List<BuiltApk> built = new ArrayList<>();
    List<Path> files = new ArrayList<>();
    for (TestPackage p : pkgs) {
      Path file = dir.resolve("repo").resolve(p.fileName());
      built.add(p.writeApk(file, KEY));
      files.add(file);
    }
    List<PackageInfo> index = ApkIndexReader.parse(new ByteArrayInputStream(
        TestRepository.apkindexText(built).getBytes(StandardCharsets.UTF_8)));
    List<PackageSource> out = new ArrayList<>();
    for (int i = 0; i < pkgs.length; i++) {
      String nv = pkgs[i].name() + "-" + pkgs[i].version();
      PackageInfo info = index.stream().filter(p -> p.nameVersion().equals(nv)).findFirst().orElseThrow();
      out.add(new PackageSource(info, files.get(i)));
    }
    return out;
  }

  static LayerResult write(Path dir, List<RootfsMutation> mutations, TestPackage... pkgs) throws IOException {
    RootfsSpec spec = new RootfsSpec("x86_64", List.of(pkgs[pkgs.length - 1].name()), List.of("/srv/repo"),
        Map.of(), TIMESTAMP, mutations);
    return new LayerWriter(KEYS).write(sources(dir, pkgs), spec, dir.resolve("out").resolve("layer.tar.gz"));
  }

  /** The layer's entries by path (no trailing slash), in tar order. */
  static Map<String, Item> read(Path layer) throws IOException {
    Map<String, Item> out = new LinkedHashMap<>();
    try (InputStream in = new GZIPInputStream(Files.newInputStream(layer));
         TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
        String name = e.getName().endsWith("/") ? e.getName().substring(0, e.getName().length() - 1) : e.getName();
        if (out.containsKey(name)) {
          throw new AssertionError("duplicate entry " + name);
        }
        out.put(name, new Item(e, tar.readAllBytes()));
      }
    }
    return out;
  }

  static String resource(String name) throws IOException {
    try (InputStream in = Layers.class.getResourceAsStream("alpine-3.20/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
