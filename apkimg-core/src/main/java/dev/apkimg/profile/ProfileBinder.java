package dev.apkimg.profile;

import static dev.apkimg.profile.YamlPositions.firstLine;
import static dev.apkimg.profile.YamlPositions.keyLocation;
import static dev.apkimg.profile.YamlPositions.syntaxErrorWhere;
import static dev.apkimg.profile.YamlPositions.valueLocation;
import static dev.apkimg.profile.YamlPositions.where;
import static dev.apkimg.profile.YamlPositions.yamlProblem;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.apkimg.rootfs.AccountFiles;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Binds a profile's YAML to {@link ImageProfile} with Jackson, and says what went wrong in the
 * profile's words: Jackson's own messages name Java types ("Cannot deserialize value of type
 * `java.lang.String`"); these name the key, what the profile format wants there and what the
 * YAML has.
 */
final class ProfileBinder {
  static final ObjectMapper MAPPER = new ObjectMapper(new YAMLFactory())
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
      .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);

  /**
   * apko keys apkimg cannot honour, by their dotted path: say so, why, and what to do, rather than
   * "unknown key" (and never ignore them: the image would not be the one the file asks for).
   */
  static final Map<String, String> UNSUPPORTED_APKO_KEYS = Map.of(
      "contents.baseimage", "apko's contents.baseimage is not supported by apkimg: apkimg builds every image from"
          + " packages alone (apko's base images are experimental and need a lockfile); name the base image's packages"
          + " in contents.packages, or include: the profile the base was built from",
      "format", "apko's format is not supported by apkimg: apkimg writes tar layers (apko's default, format: tar),"
          + " not erofs; remove the key",
      "os-release", "apko's os-release was removed from apko and is not supported by apkimg: etc/os-release"
          + " comes from the packages (alpine-release, wolfi-base); remove the key");

  private ProfileBinder() {}

  /** Binds one file's own text; every error names the file, line and column. */
  static ImageProfile bind(Path file, String text) {
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
      String unsupported = UNSUPPORTED_APKO_KEYS.get(dottedPath(e));
      if (unsupported != null) {
        throw new ProfileException(where + unsupported);
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

  /** Binds the tree of a profile merged with its includes; a type error names the merged key. */
  static ImageProfile bindMerged(Path file, JsonNode tree) {
    ((ObjectNode) tree).remove("include");
    try {
      return MAPPER.treeToValue(tree, ImageProfile.class);
    } catch (JsonProcessingException e) {
      throw new ProfileException(file + ": the merged profile and its includes: "
          + (e instanceof JsonMappingException m ? typeProblem(m, tree) : "cannot be combined"));
    }
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
      return "a mapping (" + java.util.Arrays.stream(c.getRecordComponents()).map(ProfileBinder::jsonName)
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

  /** The key's path without list indexes: {@code contents.baseimage}, {@code accounts.users.shell}. */
  private static String dottedPath(JsonMappingException e) {
    return e.getPath().stream().map(JsonMappingException.Reference::getFieldName).filter(java.util.Objects::nonNull)
        .collect(Collectors.joining("."));
  }

  private static String path(JsonMappingException e) {
    String p = e.getPath().stream()
        .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining(".")).replace(".[", "[");
    return p.isEmpty() ? "" : " at " + p;
  }
}
