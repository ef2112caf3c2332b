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
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.apkimg.apk.Dependency;
import dev.apkimg.rootfs.AccountFiles;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.Deque;
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
  public static final List<String> ARCHS = dev.apkimg.Arch.NAMES;

  private static final ObjectMapper MAPPER = new ObjectMapper(new YAMLFactory())
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
      .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);

  /**
   * The largest profile: 1 MiB, far more than any real one. It bounds what a hostile file (or
   * /dev/zero named as a profile) can make apkimg read and parse.
   */
  public static final int MAX_PROFILE_BYTES = 1 << 20;

  /**
   * The most profile files one load reads, an include read again counted again: a file that
   * includes two that each include two more ... would otherwise read 2^depth files.
   */
  public static final int MAX_PROFILE_READS = 100;

  private ProfileLoader() {}

  /**
   * Loads a profile and the profiles it includes (depth first, each include before the includer:
   * scalars of the includer win, lists are appended, maps merged).
   */
  public static ImageProfile load(Path file) {
    return load(file, List.of());
  }

  /**
   * As {@link #load(Path)}; {@code files[].source} must lie in the folder of the profile that
   * names it (symlinks resolved, as docker keeps COPY inside its build context) or in one of
   * {@code filesRoots}, folders the user allowed explicitly.
   */
  public static ImageProfile load(Path file, List<Path> filesRoots) {
    List<Path> roots = new ArrayList<>();
    for (Path root : filesRoots) {
      try {
        roots.add(root.toRealPath());
      } catch (IOException e) {
        throw new ProfileException("files root " + root + " does not exist");
      }
      if (!Files.isDirectory(roots.get(roots.size() - 1))) {
        throw new ProfileException("files root " + root + " is not a directory");
      }
    }
    Loaded loaded = loadTree(file, file.toAbsolutePath().normalize().getParent(), new ArrayList<>(), roots, "",
        new int[1]);
    ImageProfile profile;
    if (loaded.ownIncludes == 0) {
      profile = loaded.profile;
    } else {
      ((ObjectNode) loaded.tree).remove("include");
      try {
        profile = MAPPER.treeToValue(loaded.tree, ImageProfile.class);
      } catch (JsonProcessingException e) {
        throw new ProfileException(file + ": the merged profile and its includes: "
            + (e instanceof JsonMappingException m ? typeProblem(m, loaded.tree) : "cannot be combined"));
      }
    }
    validate(file, profile, loaded.origins);
    return profile;
  }

  /** One file's tree merged with its includes, and where each item of the tracked lists came from. */
  private record Loaded(JsonNode tree, ImageProfile profile, Map<String, List<Origin>> origins, int ownIncludes) {}

  /** Where an item of a list was written: the file, its text, the list and the index there. */
  private record Origin(Path file, String text, String list, int index) {}

  private static Loaded loadTree(Path file, Path topDir, List<Path> chain, List<Path> filesRoots, String at,
      int[] reads) {
    if (++reads[0] > MAX_PROFILE_READS) {
      throw new ProfileException(at + "more than " + MAX_PROFILE_READS + " profiles read for one build (an include"
          + " included again counts again): include each shared profile once");
    }
    Path key = file.toAbsolutePath().normalize();
    String text = readProfile(file, at);
    scan(file, text);
    ImageProfile own = bind(file, text);
    for (int i = 0; i < own.files().size(); i++) {
      confine(own.files().get(i), new Origin(file, text, "files", i), filesRoots);
    }
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
      String incAt = where(file, keyLocation(text, refs("include", i), keyLocation(text, refs("include"), null)));
      if (inner.contains(incFile)) {
        List<String> names = new ArrayList<>();
        for (Path p : inner.subList(inner.indexOf(incFile), inner.size())) {
          names.add(p.toString());
        }
        names.add(incFile.toString());
        throw new ProfileException(incAt + "include cycle: " + String.join(" -> ", names));
      }
      Loaded sub = loadTree(incFile, topDir, inner, filesRoots, incAt, reads);
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

  /**
   * A profile's text: a regular file (a FIFO would block, a device never end) of at most
   * {@link #MAX_PROFILE_BYTES}, in UTF-8. {@code at} is where an include names it ("" for the
   * profile given to the build).
   */
  private static String readProfile(Path file, String at) {
    String what = (at.isEmpty() ? "profile " : at + "included profile ") + file;
    BasicFileAttributes attrs;
    try {
      attrs = Files.readAttributes(file, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      throw new ProfileException(what + " does not exist");
    } catch (IOException e) {
      throw new ProfileException("cannot read " + what + ": " + e.getMessage(), e);
    }
    if (!attrs.isRegularFile()) {
      throw new ProfileException(what + " is not a regular file but " + (attrs.isDirectory() ? "a directory"
          : "a device, FIFO or socket") + ": give a YAML file");
    }
    if (attrs.size() > MAX_PROFILE_BYTES) {
      throw new ProfileException(what + " is " + attrs.size() + " bytes: a profile may have at most "
          + MAX_PROFILE_BYTES + " bytes (1 MiB)");
    }
    byte[] bytes;
    // NOFOLLOW_LINKS is not an option here: a profile may be a symlink (to a regular file).
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX_PROFILE_BYTES + 1);
    } catch (IOException e) {
      throw new ProfileException("cannot read " + what + ": " + e.getMessage(), e);
    }
    if (bytes.length > MAX_PROFILE_BYTES) { // it grew since we looked
      throw new ProfileException(what + " is bigger than " + MAX_PROFILE_BYTES + " bytes, the most a profile may have (1 MiB)");
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new ProfileException(what + " is not UTF-8 text");
    }
  }

  /**
   * Checks the YAML as written, before Jackson binds it, for what binding would silently get
   * wrong: a key given twice in one mapping (Jackson keeps one value), an alias ({@code *name},
   * which Jackson reads as the text "name"; refused, so nothing is expanded either) and a second
   * document (ignored).
   */
  private static void scan(Path file, String text) {
    Deque<Map<String, JsonLocation>> mappings = new ArrayDeque<>();
    int depth = 0;
    boolean rootDone = false;
    JsonLocation last = null;
    try (JsonParser p = MAPPER.getFactory().createParser(text)) {
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        last = p.currentTokenLocation();
        if (rootDone) {
          throw new ProfileException(where(file, p.currentTokenLocation())
              + "a second YAML document ('---'): a profile is one document");
        }
        if (p instanceof YAMLParser y && y.isCurrentAlias()) {
          throw aliasRefused(file, p.currentTokenLocation(), p.getText());
        }
        switch (t) {
          case START_OBJECT -> {
            mappings.push(new HashMap<>());
            depth++;
          }
          case START_ARRAY -> depth++;
          case END_OBJECT -> {
            mappings.pop();
            depth--;
          }
          case END_ARRAY -> depth--;
          case FIELD_NAME -> {
            JsonLocation first = mappings.peek().putIfAbsent(p.currentName(), p.currentTokenLocation());
            if (first != null) {
              throw new ProfileException(where(file, p.currentTokenLocation()) + "duplicate key '"
                  + AccountFiles.printable(p.currentName()) + "' (first at line " + first.getLineNr() + ", column "
                  + first.getColumnNr() + "): a key may appear once in a mapping");
            }
          }
          default -> { }
        }
        rootDone = depth == 0;
      }
    } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
      // Jackson's limits (nesting depth 1000, huge numbers and names) name its own classes
      throw new ProfileException(where(file, e.getLocation() != null ? e.getLocation() : last) + "the YAML exceeds a parser limit"
          + (String.valueOf(e.getOriginalMessage()).contains("nesting depth") ? " (more than 1000 levels nested)" : "")
          + ": a profile is not that deep or big");
    } catch (JsonParseException e) {
      java.util.regex.Matcher alias = java.util.regex.Pattern.compile("AliasEvent\\(anchor=([^)]*)\\)")
          .matcher(String.valueOf(e.getOriginalMessage()));
      if (alias.find()) { // an alias as a key
        throw aliasRefused(file, e.getLocation(), alias.group(1));
      }
      throw new ProfileException(syntaxErrorWhere(file, e) + "YAML syntax error: " + yamlProblem(e));
    } catch (IOException e) {
      throw new ProfileException(where(file, null) + "YAML syntax error: " + firstLine(e.getMessage()));
    }
  }

  private static ProfileException aliasRefused(Path file, JsonLocation at, String anchor) {
    return new ProfileException(where(file, at) + "YAML alias '*" + AccountFiles.printable(anchor)
        + "': aliases and anchors are not supported in profiles; write the value out");
  }

  /**
   * Keeps {@code files[].source} inside the folder of the profile that names it, or inside a
   * folder the user allowed: resolved with symlinks, so neither {@code ../../etc/shadow} nor a
   * link to it reads the host's files into the image.
   */
  private static void confine(ImageProfile.FileCopy f, Origin o, List<Path> filesRoots) {
    if (f.source() == null || f.source().isBlank()) {
      return; // validate() names the missing source
    }
    Path dir = o.file.toAbsolutePath().normalize().getParent();
    Path src = dir.resolve(f.source()).normalize();
    Path real;
    Path realDir;
    try {
      realDir = dir.toRealPath();
      real = src.toRealPath();
    } catch (IOException e) {
      throw new ProfileException(where(o, "source") + "files: source " + src + " does not exist");
    }
    if (real.startsWith(realDir) || filesRoots.stream().anyMatch(real::startsWith)) {
      return;
    }
    throw new ProfileException(where(o, "source") + "files[" + o.index + "].source: '" + AccountFiles.printable(f.source())
        + "' is outside " + dir + ", the folder of the profile that names it" + (real.equals(src) ? "" : " (it resolves to "
        + real + ")") + ": copy it there, or allow its folder explicitly", dev.apkimg.Hint.FILES_ROOT);
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
    JsonNode tree = null;
    try {
      // Parse once as a tree first: syntax errors then surface unwrapped, and an empty or
      // comment-only file is recognised before binding calls it "no content".
      tree = MAPPER.readTree(text);
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
    } catch (JsonMappingException e) {
      // Jackson's own words ("Cannot deserialize value of type `java.lang.String` from Object
      // value") name Java types; say what the profile needs there instead.
      JsonLocation at = valueLocation(text, presentPath(e.getPath(), tree), e.getLocation());
      throw new ProfileException(where(file, at) + typeProblem(e, tree));
    } catch (JsonProcessingException e) {
      throw new ProfileException(where(file, e.getLocation()) + "YAML syntax error: " + firstLine(e.getOriginalMessage()));
    }
    if (profile == null) {
      throw new ProfileException(file + ": the profile is empty");
    }
    return profile;
  }

  /**
   * "contents.packages: expected a list of strings, got a mapping": the key path, what the
   * profile format wants there (from {@link ImageProfile}'s types) and what the YAML has.
   */
  private static String typeProblem(JsonMappingException e, JsonNode tree) {
    List<JsonMappingException.Reference> path = presentPath(e.getPath(), tree);
    JsonNode got = tree;
    for (JsonMappingException.Reference r : path) {
      got = r.getFieldName() != null ? got.get(r.getFieldName()) : got.get(r.getIndex());
    }
    String key = path.stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining(".")).replace(".[", "[");
    String expected = expected(path);
    if (key.isEmpty()) {
      return "wrong type: a profile is a mapping of keys (contents:, archs:, entrypoint: ...), got " + describe(got);
    }
    if (key.endsWith("permissions")) {
      return key + ": permissions must be octal mode bits such as 0755 or 0o4755 (at most 07777), got " + describe(got);
    }
    return key + ": expected " + expected + ", got " + describe(got);
  }

  /**
   * The part of Jackson's path that is in the YAML. A single value where a list goes is read as a
   * list of one (apko allows "packages: busybox"), so Jackson reports the list's item [0]: the
   * list is what was written.
   */
  private static List<JsonMappingException.Reference> presentPath(List<JsonMappingException.Reference> path,
      JsonNode tree) {
    JsonNode n = tree;
    int depth = 0;
    for (; depth < path.size() && n != null; depth++) {
      JsonMappingException.Reference r = path.get(depth);
      if (r.getFieldName() != null && n.isObject() && n.has(r.getFieldName())) {
        n = n.get(r.getFieldName());
      } else if (r.getFieldName() == null && r.getIndex() >= 0 && n.isArray() && r.getIndex() < n.size()) {
        n = n.get(r.getIndex());
      } else {
        break;
      }
    }
    return path.subList(0, depth);
  }

  /** Where the value at {@code path} starts (the key's value, the list's item). */
  private static JsonLocation valueLocation(String text, List<JsonMappingException.Reference> path,
      JsonLocation fallback) {
    JsonLocation key = keyLocation(text, path, null);
    if (key == null) {
      return fallback;
    }
    if (path.get(path.size() - 1).getFieldName() == null) {
      return key; // a list item's location is its value's
    }
    try (JsonParser p = MAPPER.getFactory().createParser(text)) {
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        if (t == JsonToken.FIELD_NAME && p.currentTokenLocation().getCharOffset() == key.getCharOffset()) {
          p.nextToken();
          return p.currentTokenLocation();
        }
      }
    } catch (IOException e) {
      return fallback;
    }
    return fallback;
  }

  /** What the profile format wants at {@code path}, in words. */
  private static String expected(List<JsonMappingException.Reference> path) {
    Type type = ImageProfile.class;
    for (JsonMappingException.Reference r : path) {
      type = r.getFieldName() != null ? memberType(type, r.getFieldName()) : elementType(type);
      if (type == null) {
        return "another type";
      }
    }
    String last = path.isEmpty() ? "" : path.get(path.size() - 1).getFieldName();
    if ("uid".equals(last) || "gid".equals(last)) {
      return "a whole number from 0 to " + AccountFiles.MAX_ID;
    }
    return words(type);
  }

  private static String words(Type type) {
    if (type instanceof ParameterizedType pt && pt.getRawType() == List.class) {
      Type item = pt.getActualTypeArguments()[0];
      return "a list of " + (item == String.class ? "strings" : "mappings") + " (or one " + (item == String.class
          ? "string" : "mapping") + ")";
    }
    if (type instanceof ParameterizedType pt && pt.getRawType() == Map.class) {
      return "a mapping of names to strings";
    }
    if (type == String.class) {
      return "a string";
    }
    if (type == Long.class || type == Integer.class) {
      return "a whole number";
    }
    if (type == Boolean.class) {
      return "true or false";
    }
    if (type instanceof Class<?> c && c.isRecord()) {
      return "a mapping (" + java.util.Arrays.stream(c.getRecordComponents()).map(ProfileLoader::jsonName)
          .filter(n -> !n.equals("include") || c == ImageProfile.class).collect(Collectors.joining(", ")) + ")";
    }
    return "another type";
  }

  private static Type memberType(Type type, String name) {
    if (type instanceof Class<?> c && c.isRecord()) {
      for (RecordComponent rc : c.getRecordComponents()) {
        if (jsonName(rc).equals(name)) {
          return rc.getGenericType();
        }
      }
      return null;
    }
    if (type instanceof ParameterizedType pt && pt.getRawType() == Map.class) {
      return pt.getActualTypeArguments()[1];
    }
    return null;
  }

  private static Type elementType(Type type) {
    return type instanceof ParameterizedType pt && pt.getRawType() == List.class ? pt.getActualTypeArguments()[0] : null;
  }

  private static String jsonName(RecordComponent rc) {
    com.fasterxml.jackson.annotation.JsonProperty p = rc.getAccessor()
        .getAnnotation(com.fasterxml.jackson.annotation.JsonProperty.class);
    if (p == null) {
      try {
        p = rc.getDeclaringRecord().getDeclaredField(rc.getName())
            .getAnnotation(com.fasterxml.jackson.annotation.JsonProperty.class);
      } catch (NoSuchFieldException e) {
        p = null;
      }
    }
    return p != null && !p.value().isEmpty() ? p.value() : rc.getName();
  }

  /** What the YAML has: "a mapping", "a list", "the string 'x'", "the number 1.5". */
  private static String describe(JsonNode n) {
    if (n == null || n.isNull() || n.isMissingNode()) {
      return "nothing (null)";
    }
    if (n.isObject()) {
      return "a mapping";
    }
    if (n.isArray()) {
      return "a list";
    }
    if (n.isBoolean()) {
      return n.asText();
    }
    if (n.isNumber()) {
      return "the number " + AccountFiles.printable(n.asText());
    }
    return "the string '" + AccountFiles.printable(n.asText()) + "'";
  }

  private static void validate(Path file, ImageProfile p, Map<String, List<Origin>> origins) {
    validateAccounts(file, p.accounts(), origins);
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
      if (f.uid() != null) {
        check(o, "uid", "files[" + o.index + "].uid", AccountFiles.idProblem(f.uid()));
      }
      if (f.gid() != null) {
        check(o, "gid", "files[" + o.index + "].gid", AccountFiles.idProblem(f.gid()));
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
      try {
        dev.apkimg.image.Ports.expand(port);
      } catch (IllegalArgumentException e) {
        throw new ProfileException(file + ": ports: " + e.getMessage());
      }
    }
    if (p.stopSignal() != null && p.stopSignal().isBlank()) {
      throw new ProfileException(file + ": stop-signal is empty");
    }
    if (p.entrypoint() != null && p.entrypoint().command() != null && p.entrypoint().shellFragment() != null) {
      throw new ProfileException(file + ": entrypoint: give command or shell-fragment, not both");
    }
  }

  /**
   * Every field that becomes part of etc/passwd or etc/group: names in busybox's grammar, ids
   * in 0..2^32-2, home and shell absolute paths without ':', ',' or control characters (a
   * newline in a shell would add a whole account line, a second uid 0).
   */
  private static void validateAccounts(Path file, ImageProfile.Accounts a, Map<String, List<Origin>> origins) {
    Map<String, Origin> names = new HashMap<>();
    Map<Long, Origin> ids = new HashMap<>();
    for (int i = 0; i < a.groups().size(); i++) {
      ImageProfile.Group g = a.groups().get(i);
      Origin o = origins.get("accounts.groups").get(i);
      String item = "accounts.groups[" + o.index + "]";
      if (g.groupname() == null) {
        throw new ProfileException(where(o, null) + item + ": groupname is missing");
      }
      check(o, "groupname", item + ".groupname", AccountFiles.nameProblem(g.groupname()));
      if (g.gid() == null) {
        throw new ProfileException(where(o, null) + "accounts.groups: group '" + g.groupname() + "' needs a gid");
      }
      check(o, "gid", item + ".gid", AccountFiles.idProblem(g.gid()));
      for (int m = 0; m < g.members().size(); m++) {
        check(o, "members", item + ".members[" + m + "]", AccountFiles.nameProblem(g.members().get(m)));
      }
      unique(names, g.groupname(), o, "groupname", "group name '" + g.groupname() + "'");
      unique(ids, g.gid(), o, "gid", "gid " + g.gid());
    }
    names.clear();
    ids.clear();
    for (int i = 0; i < a.users().size(); i++) {
      ImageProfile.User u = a.users().get(i);
      Origin o = origins.get("accounts.users").get(i);
      String item = "accounts.users[" + o.index + "]";
      if (u.username() == null) {
        String at = where(o, null);
        // Without a position (an empty map) where() already names the item.
        throw new ProfileException(at + (at.endsWith(item + ": ") ? "" : item + ": ") + "username is missing");
      }
      check(o, "username", item + ".username", AccountFiles.nameProblem(u.username()));
      if (u.uid() == null) {
        throw new ProfileException(where(o, null) + "accounts.users: user '" + u.username() + "' needs a uid");
      }
      check(o, "uid", item + ".uid", AccountFiles.idProblem(u.uid()));
      if (u.gid() != null) {
        check(o, "gid", item + ".gid", AccountFiles.idProblem(u.gid()));
      }
      if (u.shell() != null) {
        check(o, "shell", item + ".shell", AccountFiles.pathProblem(u.shell()));
      }
      if (u.homedir() != null) {
        check(o, "homedir", item + ".homedir", AccountFiles.pathProblem(u.homedir()));
      }
      unique(names, u.username(), o, "username", "user name '" + u.username() + "'");
      unique(ids, u.uid(), o, "uid", "uid " + u.uid());
    }
    String runAs = a.runAs() == null ? null : a.runAs().trim();
    if (runAs != null && !runAs.isEmpty()) {
      String problem = null;
      if (runAs.matches("[0-9]+(:[0-9]+)?")) {
        for (String id : runAs.split(":")) {
          problem = problem != null ? problem : id.length() > 10 ? id + " is not from 0 to " + AccountFiles.MAX_ID
              : AccountFiles.idProblem(Long.parseLong(id));
        }
      } else {
        problem = AccountFiles.nameProblem(runAs);
      }
      if (problem != null) {
        throw new ProfileException(file + ": accounts.run-as must be a user name, UID or UID:GID: " + problem);
      }
    }
  }

  private static void check(Origin o, String field, String key, String problem) {
    if (problem != null) {
      throw new ProfileException(where(o, field) + key + ": " + problem);
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
      if (m.uid() != null) {
        check(o, "uid", "paths[" + o.index + "].uid", AccountFiles.idProblem(m.uid()));
      }
      if (m.gid() != null) {
        check(o, "gid", "paths[" + o.index + "].gid", AccountFiles.idProblem(m.gid()));
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
