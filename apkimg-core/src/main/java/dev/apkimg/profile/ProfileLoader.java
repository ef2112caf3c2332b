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
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** Reads and validates a YAML image profile; every error names the file, line and column. */
public final class ProfileLoader {
  /** apko keys that later versions of apkimg will support: say so rather than "unknown". */
  private static final Set<String> NOT_YET_SUPPORTED = Set.of(
      "accounts", "paths", "include", "files");

  /** apk architecture names apkimg knows. */
  public static final List<String> ARCHS = List.of(
      "x86_64", "aarch64", "armv7", "armhf", "x86", "ppc64le", "s390x", "riscv64", "loongarch64");

  private static final ObjectMapper MAPPER = new ObjectMapper(new YAMLFactory())
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY);

  private ProfileLoader() {}

  public static ImageProfile load(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ProfileException("profile " + file + " does not exist");
    } catch (IOException e) {
      throw new ProfileException("cannot read profile " + file + ": " + e.getMessage(), e);
    }
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
    validate(file, profile);
    return profile;
  }

  private static void validate(Path file, ImageProfile p) {
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
    java.util.ArrayList<String> words = new java.util.ArrayList<>();
    if (command == null) {
      return words;
    }
    StringBuilder cur = new StringBuilder();
    boolean inWord = false;
    char quote = 0;
    for (int i = 0; i < command.length(); i++) {
      char c = command.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else if (c == '\\' && quote == '"' && i + 1 < command.length()) {
          cur.append(command.charAt(++i));
        } else {
          cur.append(c);
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
        inWord = true;
      } else if (c == '\\' && i + 1 < command.length()) {
        cur.append(command.charAt(++i));
        inWord = true;
      } else if (Character.isWhitespace(c)) {
        if (inWord) {
          words.add(cur.toString());
          cur.setLength(0);
          inWord = false;
        }
      } else {
        cur.append(c);
        inWord = true;
      }
    }
    if (quote != 0) {
      throw new IllegalArgumentException("unterminated quote in '" + command + "'");
    }
    if (inWord) {
      words.add(cur.toString());
    }
    return words;
  }
}
