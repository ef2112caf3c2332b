package dev.apkimg.profile;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonMappingException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where things are in a profile's YAML, for messages that name file, line and column: a key by
 * its path (Jackson reports where its parser stopped, often the next line), a value, a syntax
 * error (SnakeYAML's own mark). Shared by the scan, the binding, include merging and validation.
 */
final class YamlPositions {
  private YamlPositions() {}

  /**
   * Where the key at {@code path} is written. Jackson reports an unknown key where the parser
   * stopped, which is after the key's value (often the next line); walk the document to the key.
   */
  static JsonLocation keyLocation(String text, List<JsonMappingException.Reference> path,
      JsonLocation fallback) {
    if (path.isEmpty()) {
      return fallback;
    }
    try (JsonParser p = ProfileBinder.MAPPER.getFactory().createParser(text)) {
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

  /** Where the value at {@code path} starts (the key's value, the list's item). */
  static JsonLocation valueLocation(String text, List<JsonMappingException.Reference> path,
      JsonLocation fallback) {
    JsonLocation key = keyLocation(text, path, null);
    if (key == null) {
      return fallback;
    }
    if (path.get(path.size() - 1).getFieldName() == null) {
      return key; // a list item's location is its value's
    }
    try (JsonParser p = ProfileBinder.MAPPER.getFactory().createParser(text)) {
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

  /**
   * The problem's own mark in SnakeYAML's message (the last "line N, column M") is exact;
   * Jackson's location can be the end of the previous token, a line early (a tab indent).
   */
  static String syntaxErrorWhere(Path file, JsonParseException e) {
    String where = where(file, e.getLocation());
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("line (\\d+), column (\\d+)")
        .matcher(String.valueOf(e.getOriginalMessage()));
    while (m.find()) {
      where = file + ":" + m.group(1) + ":" + m.group(2) + ": ";
    }
    return where;
  }

  static String where(Path file, JsonLocation loc) {
    if (loc == null || loc.getLineNr() < 1) {
      return file + ": ";
    }
    return file + ":" + loc.getLineNr() + ":" + loc.getColumnNr() + ": ";
  }

  /** SnakeYAML's context and problem ("while parsing a flow sequence: expected ',' or ']', but got ':'"). */
  static String yamlProblem(JsonParseException e) {
    if (e.getCause() instanceof org.yaml.snakeyaml.error.MarkedYAMLException m && m.getProblem() != null) {
      return (m.getContext() == null ? "" : m.getContext() + ": ") + m.getProblem();
    }
    return firstLine(e.getOriginalMessage());
  }

  static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return (nl < 0 ? s : s.substring(0, nl)).trim();
  }

  static List<JsonMappingException.Reference> refs(Object... parts) {
    List<JsonMappingException.Reference> out = new ArrayList<>();
    for (Object p : parts) {
      out.add(p instanceof Integer i ? new JsonMappingException.Reference(null, i)
          : new JsonMappingException.Reference(null, (String) p));
    }
    return out;
  }
}
