package dev.apkimg.profile;

import static dev.apkimg.profile.YamlPositions.firstLine;
import static dev.apkimg.profile.YamlPositions.keyLocation;
import static dev.apkimg.profile.YamlPositions.refs;
import static dev.apkimg.profile.YamlPositions.where;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A profile and the profiles it includes, depth first, each include before the includer:
 * scalars of the includer win, lists are appended, maps merged; relative paths are rebased on
 * the top profile, cycles and too many reads refused, and each tracked list item keeps where it
 * was written ({@link ItemOrigin}).
 *
 * <p>An include path is looked up as apko does, from the working directory (apko's examples
 * say {@code include: examples/alpine-base.yaml}, run from apko's checkout), and where nothing is
 * there, beside the including file (so that a profile and its includes can move together).
 */
final class ProfileIncludes {
  /** Lists whose items are checked after merging: where each item was written. */
  private static final List<String> TRACKED_LISTS = List.of("accounts.groups", "accounts.users", "paths", "files",
      "certificates.additional");

  /** One file's tree merged with its includes, and where each item of the tracked lists came from. */
  record Loaded(JsonNode tree, ImageProfile profile, Map<String, List<ItemOrigin>> origins, int ownIncludes) {}

  private ProfileIncludes() {}

  /** Loads {@code file} and its includes, merged. */
  static Loaded load(Path file, List<Path> filesRoots, Path workingDir) {
    return load(file, filesRoots, workingDir, new LinkedHashMap<>());
  }

  /**
   * As {@link #load(Path, List, Path)}, and puts in {@code read} every profile file read (absolute,
   * normalized; the top one too) with the SHA-256 (hex) of the bytes it was read as.
   */
  static Loaded load(Path file, List<Path> filesRoots, Path workingDir, Map<Path, String> read) {
    return loadTree(file, file.toAbsolutePath().normalize().getParent(), new ArrayList<>(), filesRoots, "",
        new int[1], workingDir.toAbsolutePath().normalize(), read);
  }

  private static Loaded loadTree(Path file, Path topDir, List<Path> chain, List<Path> filesRoots, String at,
      int[] reads, Path workingDir, Map<Path, String> read) {
    if (++reads[0] > ProfileLoader.MAX_PROFILE_READS) {
      throw new ProfileException(at + "more than " + ProfileLoader.MAX_PROFILE_READS
          + " profiles read for one build (an include"
          + " included again counts again): include each shared profile once");
    }
    Path key = file.toAbsolutePath().normalize();
    String text = ProfileText.read(file, at);
    // Strict UTF-8 decodes and encodes back to the very bytes read: their digest, without reading again.
    read.put(key, sha256(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    YamlScan.scan(file, text);
    ImageProfile own = ProfileBinder.bind(file, text);
    for (int i = 0; i < own.files().size(); i++) {
      FilesConfinement.confine(own.files().get(i), new ItemOrigin(file, text, "files", i), filesRoots);
    }
    if (own.certificates() != null) {
      for (int i = 0; i < own.certificates().additional().size(); i++) {
        FilesConfinement.confine(own.certificates().additional().get(i),
            new ItemOrigin(file, text, "certificates.additional", i), filesRoots);
      }
    }
    JsonNode tree;
    try {
      tree = ProfileBinder.MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new ProfileException(where(file, e.getLocation()) + "YAML syntax error: " + firstLine(e.getOriginalMessage()));
    }
    relativizeSources(tree, key.getParent(), topDir);
    List<Path> inner = new ArrayList<>(chain);
    inner.add(key);
    JsonNode merged = ProfileBinder.MAPPER.createObjectNode();
    Map<String, List<ItemOrigin>> origins = new LinkedHashMap<>();
    for (int i = 0; i < own.include().size(); i++) {
      String inc = own.include().get(i);
      // "include: x.yaml" (one value, not a list) has no item to point at: point at the value.
      String incAt = where(file, keyLocation(text, refs("include", i), keyLocation(text, refs("include"), null)));
      Path incFile = resolve(inc, key.getParent(), workingDir, incAt);
      if (inner.contains(incFile)) {
        List<String> names = new ArrayList<>();
        for (Path p : inner.subList(inner.indexOf(incFile), inner.size())) {
          names.add(p.toString());
        }
        names.add(incFile.toString());
        throw new ProfileException(incAt + "include cycle: " + String.join(" -> ", names));
      }
      Loaded sub = loadTree(incFile, topDir, inner, filesRoots, incAt, reads, workingDir, read);
      merged = merge(merged, sub.tree, "", file);
      sub.origins.forEach((list, o) -> origins.computeIfAbsent(list, k -> new ArrayList<>()).addAll(o));
    }
    for (String list : TRACKED_LISTS) {
      JsonNode items = tree.at("/" + list.replace('.', '/'));
      // A single item written without a list is one item (ACCEPT_SINGLE_VALUE_AS_ARRAY), even "{}".
      int count = items.isArray() ? items.size() : items.isMissingNode() || items.isNull() ? 0 : 1;
      for (int i = 0; i < count; i++) {
        origins.computeIfAbsent(list, k -> new ArrayList<>()).add(new ItemOrigin(file, text, list, i));
      }
    }
    if (tree instanceof ObjectNode o) {
      o.remove("include");
    }
    merged = merge(merged, tree, "", file);
    return new Loaded(merged, own, origins, own.include().size());
  }

  private static String sha256(byte[] bytes) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Where {@code include: inc} points: apko's lookup first, from the working directory; where
   * that finds nothing, beside the including file. Neither there: the path beside the file, which
   * the read then reports missing, naming both places.
   */
  static Path resolve(String inc, Path dir, Path workingDir, String at) {
    Path fromWorkingDir;
    Path besideFile;
    try {
      fromWorkingDir = workingDir.resolve(inc).normalize();
      besideFile = dir.resolve(inc).normalize();
    } catch (java.nio.file.InvalidPathException e) {
      throw new ProfileException(at + "include: '" + dev.apkimg.rootfs.AccountFiles.printable(inc)
          + "' is not a file path");
    }
    if (java.nio.file.Files.exists(fromWorkingDir)) {
      return fromWorkingDir;
    }
    if (!java.nio.file.Files.exists(besideFile) && !fromWorkingDir.equals(besideFile)) {
      throw new ProfileException(at + "included profile " + besideFile + " does not exist (nor " + fromWorkingDir
          + ", from the working directory, where apko looks)");
    }
    return besideFile;
  }

  /** Includer over included: maps merged, lists appended, scalars replaced. */
  private static JsonNode merge(JsonNode base, JsonNode over, String path, Path file) {
    if (base == null || base.isNull() || base.isMissingNode()) {
      return over.deepCopy();
    }
    if (over == null || over.isNull() || over.isMissingNode()) {
      return base;
    }
    if (base.isObject() && over.isObject()) {
      ObjectNode out = ((ObjectNode) base).deepCopy();
      over.fields().forEachRemaining(f -> out.set(f.getKey(),
          merge(out.get(f.getKey()), f.getValue(), path.isEmpty() ? f.getKey() : path + "." + f.getKey(), file)));
      return out;
    }
    if (base.isArray() && over.isArray()) {
      ArrayNode out = ((ArrayNode) base).deepCopy();
      out.addAll((ArrayNode) over.deepCopy());
      return out;
    }
    if (base.isContainerNode() || over.isContainerNode()) {
      throw new ProfileException(file + ": " + path + " is a " + kind(over) + " here but a " + kind(base)
          + " in an included profile");
    }
    return over.deepCopy();
  }

  private static String kind(JsonNode n) {
    return n.isArray() ? "list" : n.isObject() ? "map" : "single value";
  }

  /**
   * {@code files[].source}, {@code certificates.additional[].file} and relative paths in {@code contents.repositories},
   * {@code contents.build_repositories} and {@code contents.keyring} are relative to the file that names them; after merging they must be
   * relative to the top profile (kept relative so that the profile's checksum is the same on
   * every machine).
   */
  private static void relativizeSources(JsonNode tree, Path dir, Path topDir) {
    if (dir.equals(topDir)) {
      return;
    }
    for (JsonNode f : tree.path("files")) {
      if (f instanceof ObjectNode o && o.path("source").isTextual()) {
        String src = o.get("source").asText();
        if (!Path.of(src).isAbsolute()) {
          o.put("source", topDir.relativize(dir.resolve(src).normalize()).toString());
        }
      }
    }
    for (JsonNode c : tree.path("certificates").path("additional")) {
      if (c instanceof ObjectNode o && o.path("file").isTextual() && !Path.of(o.get("file").asText()).isAbsolute()) {
        o.put("file", topDir.relativize(dir.resolve(o.get("file").asText()).normalize()).toString());
      }
    }
    for (String list : List.of("repositories", "keyring", "build_repositories")) {
      if (tree.path("contents").path(list) instanceof ArrayNode items) {
        for (int i = 0; i < items.size(); i++) {
          if (items.get(i).isTextual()) {
            items.set(i, items.textNode(rebase(items.get(i).asText(), dir, topDir)));
          }
        }
      }
    }
  }

  /** A repository or key written relative to {@code dir}, made relative to {@code topDir}; URLs stay. */
  private static String rebase(String entry, Path dir, Path topDir) {
    dev.apkimg.repo.RepositorySpec spec;
    try {
      spec = dev.apkimg.repo.RepositorySpec.parse(entry); // "@tag path": the tag stays, the path moves
    } catch (dev.apkimg.ApkimgException e) {
      return entry; // refused where the repository is read, naming it
    }
    String s = spec.location();
    if (s.isEmpty() || !spec.isPath() || Path.of(s).isAbsolute()) {
      return entry;
    }
    return new dev.apkimg.repo.RepositorySpec(spec.tag(), topDir.relativize(dir.resolve(s).normalize()).toString()).toString();
  }
}
