package dev.apkimg.profile;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.apkimg.apk.Dependency;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** Reads and validates a YAML image profile; every error names the file, line and column. */
public final class ProfileLoader {
  /** apko keys that later versions of apkimg will support: say so rather than "unknown". */
  private static final Set<String> NOT_YET_SUPPORTED = Set.of(
      "layering", "os-release");

  /** apko's path mutation types. */
  public static final List<String> PATH_TYPES = List.of("directory", "empty-file", "hardlink", "symlink", "permissions");

  /** Lists whose items are checked after merging: where each item was written. */
  private static final List<String> TRACKED_LISTS = List.of("accounts.groups", "accounts.users", "paths", "files");

  /** apk architecture names apkimg knows. */
  public static final List<String> ARCHS = List.of(
      "x86_64", "aarch64", "armv7", "armhf", "x86", "ppc64le", "s390x", "riscv64", "loongarch64");

  private static final ObjectMapper MAPPER = new ObjectMapper(new YAMLFactory())
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY);

  private ProfileLoader() {}

  /**
   * Loads a profile and the profiles it includes (depth first, each include before the includer:
   * scalars of the includer win, lists are appended, maps merged).
   */
  public static ImageProfile load(Path file) {
    Loaded loaded = loadTree(file, file.toAbsolutePath().normalize().getParent(), new ArrayList<>());
    ImageProfile profile;
    if (loaded.ownIncludes == 0) {
      profile = loaded.profile;
    } else {
      ((ObjectNode) loaded.tree).remove("include");
      try {
        profile = MAPPER.treeToValue(loaded.tree, ImageProfile.class);
      } catch (JsonProcessingException e) {
        throw new ProfileException(file + ": the merged profile and its includes: " + firstLine(e.getOriginalMessage()));
      }
    }
    validate(file, profile, loaded.origins);
    return profile;
  }

  /** One file's tree merged with its includes, and where each item of the tracked lists came from. */
  private record Loaded(JsonNode tree, ImageProfile profile, Map<String, List<Origin>> origins, int ownIncludes) {}

  /** Where an item of a list was written: the file, its text, the list and the index there. */
  private record Origin(Path file, String text, String list, int index) {}

  private static Loaded loadTree(Path file, Path topDir, List<Path> chain) {
    Path key = file.toAbsolutePath().normalize();
    String text = readProfile(file);
    ImageProfile own = bind(file, text);
    JsonNode tree;
    try {
      tree = MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new ProfileException(where(file, e.getLocation()) + "YAML syntax error: " + firstLine(e.getOriginalMessage()));
    }
    relativizeSources(tree, key.getParent(), topDir);
    List<Path> inner = new ArrayList<>(chain);
    inner.add(key);
    JsonNode merged = MAPPER.createObjectNode();
    Map<String, List<Origin>> origins = new LinkedHashMap<>();
    for (int i = 0; i < own.include().size(); i++) {
      String inc = own.include().get(i);
      Path incFile = key.getParent().resolve(inc).normalize();
      // "include: x.yaml" (one value, not a list) has no item to point at: point at the value.
      String at = where(file, keyLocation(text, refs("include", i), keyLocation(text, refs("include"), null)));
      if (inner.contains(incFile)) {
        List<String> names = new ArrayList<>();
        for (Path p : inner.subList(inner.indexOf(incFile), inner.size())) {
          names.add(p.toString());
        }
        names.add(incFile.toString());
        throw new ProfileException(at + "include cycle: " + String.join(" -> ", names));
      }
      if (!Files.isRegularFile(incFile)) {
        throw new ProfileException(at + "included profile " + incFile + " does not exist");
      }
      Loaded sub = loadTree(incFile, topDir, inner);
      merged = merge(merged, sub.tree, "", file);
      sub.origins.forEach((list, o) -> origins.computeIfAbsent(list, k -> new ArrayList<>()).addAll(o));
    }
    for (String list : TRACKED_LISTS) {
      JsonNode items = tree.at("/" + list.replace('.', '/'));
      // A single item written without a list is one item (ACCEPT_SINGLE_VALUE_AS_ARRAY), even "{}".
      int count = items.isArray() ? items.size() : items.isMissingNode() || items.isNull() ? 0 : 1;
      for (int i = 0; i < count; i++) {
        origins.computeIfAbsent(list, k -> new ArrayList<>()).add(new Origin(file, text, list, i));
      }
    }
    if (tree instanceof ObjectNode o) {
      o.remove("include");
    }
    merged = merge(merged, tree, "", file);
    return new Loaded(merged, own, origins, own.include().size());
  }

  private static String readProfile(Path file) {
    try {
      return Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ProfileException("profile " + file + " does not exist");
    } catch (IOException e) {
      throw new ProfileException("cannot read profile " + file + ": " + e.getMessage(), e);
    }
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
   * {@code files[].source} and relative paths in {@code contents.repositories} and
   * {@code contents.keyring} are relative to the file that names them; after merging they must be
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
    for (String list : List.of("repositories", "keyring")) {
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
    String s = entry.strip();
    String tag = "";
    if (s.startsWith("@")) { // "@tag path": the tag stays, the path moves
      int space = s.indexOf(' ');
      if (space < 0) {
        return entry;
      }
      tag = s.substring(0, space + 1);
      s = s.substring(space + 1).strip();
    }
    if (s.isEmpty() || s.contains("://") || s.startsWith("file:") || Path.of(s).isAbsolute()) {
      return entry;
    }
    return tag + topDir.relativize(dir.resolve(s).normalize());
  }

  private static List<JsonMappingException.Reference> refs(Object... parts) {
    List<JsonMappingException.Reference> out = new ArrayList<>();
    for (Object p : parts) {
      out.add(p instanceof Integer i ? new JsonMappingException.Reference(null, i)
          : new JsonMappingException.Reference(null, (String) p));
    }
    return out;
  }

  /** file:line:col: of a key of a tracked list's item (or of the item itself). */
  private static String where(Origin o, String field) {
    List<Object> parts = new ArrayList<>(List.of(o.list.split("\\.")));
    parts.add(o.index);
    if (field != null) {
      parts.add(field);
    }
    JsonLocation loc = keyLocation(o.text, refs(parts.toArray()), null);
    if (loc == null && field != null) {
      return where(o, null);
    }
    return loc == null ? o.file + ": " + o.list + "[" + o.index + "]: " : where(o.file, loc);
  }

  /** Binds one file's own text; every error names the file, line and column. */
  private static ImageProfile bind(Path file, String text) {
    ImageProfile profile;
    try {
      // Parse once as a tree first: syntax errors then surface unwrapped, and an empty or
      // comment-only file is recognised before binding calls it "no content".
      JsonNode tree = MAPPER.readTree(text);
      if (tree == null || tree.isMissingNode() || tree.isNull()) {
        throw new ProfileException(file + ": the profile is empty");
      }
      profile = MAPPER.readValue(text, ImageProfile.class);
    } catch (UnrecognizedPropertyException e) {
      String key = e.getPropertyName();
      String where = where(file, keyLocation(text, e.getPath(), e.getLocation()));
      if (NOT_YET_SUPPORTED.contains(key)) {
        throw new ProfileException(where + "key '" + key + "' is not supported yet by this version of apkimg");
      }
      String known = e.getKnownPropertyIds() == null ? "" : e.getKnownPropertyIds().stream()
          .map(Object::toString).sorted().collect(Collectors.joining(", "));
      throw new ProfileException(where + "unknown key '" + key + "'" + path(e) + (known.isEmpty() ? "" : " (known here: " + known + ")"));
    } catch (JsonParseException e) {
      throw new ProfileException(syntaxErrorWhere(file, e) + "YAML syntax error: " + yamlProblem(e));
    } catch (MismatchedInputException e) {
      throw new ProfileException(where(file, e.getLocation()) + "wrong type" + path(e) + ": " + firstLine(e.getOriginalMessage()));
    } catch (JsonMappingException e) {
      throw new ProfileException(where(file, e.getLocation()) + firstLine(e.getOriginalMessage()) + path(e));
    } catch (JsonProcessingException e) {
      throw new ProfileException(where(file, e.getLocation()) + "YAML syntax error: " + firstLine(e.getOriginalMessage()));
    }
    if (profile == null) {
      throw new ProfileException(file + ": the profile is empty");
    }
    return profile;
  }

  private static void validate(Path file, ImageProfile p, Map<String, List<Origin>> origins) {
    validateAccounts(p.accounts(), origins);
    validatePaths(p.paths(), origins);
    Path dir = file.toAbsolutePath().normalize().getParent();
    for (int i = 0; i < p.files().size(); i++) {
      ImageProfile.FileCopy f = p.files().get(i);
      Origin o = origins.get("files").get(i);
      if (f.source() == null || f.source().isBlank()) {
        throw new ProfileException(where(o, null) + "files: each item needs a source (a host file or directory)");
      }
      if (f.target() == null || f.target().isBlank()) {
        throw new ProfileException(where(o, null) + "files: each item needs a target (a path in the image)");
      }
      if (!Files.exists(dir.resolve(f.source()))) {
        throw new ProfileException(where(o, "source") + "files: source " + dir.resolve(f.source()).normalize()
            + " does not exist");
      }
    }
    if (p.accounts().runAs() != null && p.accounts().runAs().isBlank()) {
      throw new ProfileException(file + ": accounts.run-as is empty: name a user or uid");
    }
    if (p.contents().packages().isEmpty()) {
      throw new ProfileException(file + ": contents.packages is empty: name at least one package");
    }
    for (String pkg : p.contents().packages()) {
      try {
        Dependency.parse(pkg);
      } catch (IllegalArgumentException e) {
        throw new ProfileException(file + ": contents.packages: " + e.getMessage());
      }
    }
    for (String arch : p.archs()) {
      if (!ARCHS.contains(arch)) {
        throw new ProfileException(file + ": archs: unknown architecture '" + arch + "' (known: " + String.join(", ", ARCHS) + ")");
      }
    }
    validateImageSettings(file, p);
  }

  private static void validateImageSettings(Path file, ImageProfile p) {
    for (String volume : p.volumes()) {
      if (!volume.startsWith("/")) {
        throw new ProfileException(file + ": volumes: '" + volume + "' is not an absolute path");
      }
    }
    for (String port : p.ports()) {
      if (!port.matches("[0-9]{1,5}(/(tcp|udp))?") || Integer.parseInt(port.split("/")[0]) > 65535) {
        throw new ProfileException(file + ": ports: '" + port + "' is not PORT, PORT/tcp or PORT/udp");
      }
    }
    if (p.stopSignal() != null && p.stopSignal().isBlank()) {
      throw new ProfileException(file + ": stop-signal is empty");
    }
    if (p.entrypoint() != null && p.entrypoint().command() != null && p.entrypoint().shellFragment() != null) {
      throw new ProfileException(file + ": entrypoint: give command or shell-fragment, not both");
    }
  }

  private static void validateAccounts(ImageProfile.Accounts a, Map<String, List<Origin>> origins) {
    Map<String, Origin> names = new HashMap<>();
    Map<Long, Origin> ids = new HashMap<>();
    for (int i = 0; i < a.groups().size(); i++) {
      ImageProfile.Group g = a.groups().get(i);
      Origin o = origins.get("accounts.groups").get(i);
      if (g.groupname() == null || !g.groupname().matches("[A-Za-z0-9_][A-Za-z0-9_.-]*\\$?")) {
        throw new ProfileException(where(o, "groupname") + "accounts.groups: groupname is missing or not a valid name: "
            + g.groupname());
      }
      if (g.gid() == null || g.gid() < 0) {
        throw new ProfileException(where(o, null) + "accounts.groups: group '" + g.groupname() + "' needs a gid");
      }
      unique(names, g.groupname(), o, "groupname", "group name '" + g.groupname() + "'");
      unique(ids, g.gid(), o, "gid", "gid " + g.gid());
    }
    names.clear();
    ids.clear();
    for (int i = 0; i < a.users().size(); i++) {
      ImageProfile.User u = a.users().get(i);
      Origin o = origins.get("accounts.users").get(i);
      if (u.username() == null || !u.username().matches("[A-Za-z0-9_][A-Za-z0-9_.-]*\\$?")) {
        throw new ProfileException(where(o, "username") + "accounts.users: username is missing or not a valid name: "
            + u.username());
      }
      if (u.uid() == null || u.uid() < 0) {
        throw new ProfileException(where(o, null) + "accounts.users: user '" + u.username() + "' needs a uid");
      }
      unique(names, u.username(), o, "username", "user name '" + u.username() + "'");
      unique(ids, u.uid(), o, "uid", "uid " + u.uid());
    }
  }

  private static <K> void unique(Map<K, Origin> seen, K key, Origin o, String field, String what) {
    Origin first = seen.putIfAbsent(key, o);
    if (first != null) {
      String at = where(first, field);
      throw new ProfileException(where(o, field) + "duplicate " + what + " (first at " + at.substring(0, at.length() - 2) + ")");
    }
  }

  private static void validatePaths(List<ImageProfile.PathMutation> paths, Map<String, List<Origin>> origins) {
    for (int i = 0; i < paths.size(); i++) {
      ImageProfile.PathMutation m = paths.get(i);
      Origin o = origins.get("paths").get(i);
      if (m.type() == null || !PATH_TYPES.contains(m.type())) {
        throw new ProfileException(where(o, "type") + "paths: type must be one of " + String.join(", ", PATH_TYPES)
            + (m.type() == null ? "" : ", not '" + m.type() + "'"));
      }
      if (m.path() == null || m.path().isBlank()) {
        throw new ProfileException(where(o, null) + "paths: each item needs a path");
      }
      if ((m.type().equals("hardlink") || m.type().equals("symlink")) && (m.source() == null || m.source().isBlank())) {
        throw new ProfileException(where(o, null) + "paths: a " + m.type() + " needs a source (what it points to)");
      }
    }
  }

  /**
   * Where the key at {@code path} is written. Jackson reports an unknown key where the parser
   * stopped, which is after the key's value (often the next line); walk the document to the key.
   */
  private static JsonLocation keyLocation(String text, List<JsonMappingException.Reference> path,
      JsonLocation fallback) {
    if (path.isEmpty()) {
      return fallback;
    }
    try (JsonParser p = MAPPER.getFactory().createParser(text)) {
      p.nextToken();
      JsonLocation found = locate(p, path, 0);
      return found != null ? found : fallback;
    } catch (IOException e) {
      return fallback;
    }
  }

  private static JsonLocation locate(JsonParser p, List<JsonMappingException.Reference> path, int depth)
      throws IOException {
    JsonMappingException.Reference ref = path.get(depth);
    boolean last = depth == path.size() - 1;
    if (p.currentToken() == JsonToken.START_OBJECT && ref.getFieldName() != null) {
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        if (p.currentName().equals(ref.getFieldName())) {
          if (last) {
            return p.currentTokenLocation();
          }
          p.nextToken();
          return locate(p, path, depth + 1);
        }
        p.nextToken();
        p.skipChildren();
      }
    } else if (p.currentToken() == JsonToken.START_ARRAY && ref.getIndex() >= 0) {
      int i = 0;
      for (JsonToken t = p.nextToken(); t != null && t != JsonToken.END_ARRAY; t = p.nextToken()) {
        if (i++ == ref.getIndex()) {
          return last ? p.currentTokenLocation() : locate(p, path, depth + 1);
        }
        p.skipChildren();
      }
    }
    return null;
  }

  /**
   * The problem's own mark in SnakeYAML's message (the last "line N, column M") is exact;
   * Jackson's location can be the end of the previous token, a line early (a tab indent).
   */
  private static String syntaxErrorWhere(Path file, JsonParseException e) {
    String where = where(file, e.getLocation());
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("line (\\d+), column (\\d+)")
        .matcher(String.valueOf(e.getOriginalMessage()));
    while (m.find()) {
      where = file + ":" + m.group(1) + ":" + m.group(2) + ": ";
    }
    return where;
  }

  private static String where(Path file, JsonLocation loc) {
    if (loc == null || loc.getLineNr() < 1) {
      return file + ": ";
    }
    return file + ":" + loc.getLineNr() + ":" + loc.getColumnNr() + ": ";
  }

  private static String path(JsonMappingException e) {
    String p = e.getPath().stream()
        .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining(".")).replace(".[", "[");
    return p.isEmpty() ? "" : " at " + p;
  }

  /** SnakeYAML's context and problem ("while parsing a flow sequence: expected ',' or ']', but got ':'"). */
  private static String yamlProblem(JsonParseException e) {
    if (e.getCause() instanceof org.yaml.snakeyaml.error.MarkedYAMLException m && m.getProblem() != null) {
      return (m.getContext() == null ? "" : m.getContext() + ": ") + m.getProblem();
    }
    return firstLine(e.getOriginalMessage());
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return (nl < 0 ? s : s.substring(0, nl)).trim();
  }

  /** Splits a command line into words: whitespace separates, single and double quotes group. */
  public static List<String> splitWords(String command) {
    return dev.apkimg.ShellWords.split(command, true);
  }

}
