package dev.apkimg.profile;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.apkimg.Arch;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * apko's {@code show-config}: a profile as a build reads it, its includes merged and the defaults
 * a build fills in written out, as YAML that loads back to the same profile; and the JSON Schema
 * of profiles that editors validate them with.
 */
public final class EffectiveProfile {
  /** Where the schema is, on the class path (and, the same bytes, in the repository's schema/ folder). */
  public static final String SCHEMA_RESOURCE = "apkimg-profile.schema.json";

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
      .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR));

  private EffectiveProfile() {}

  /**
   * The profile in {@code file} with its includes merged, as YAML: defaults written out
   * ({@code archs}: the host's; {@code layering}: single; a user's gid, homedir and shell),
   * permissions in octal. Reads no
   * network: repositories and keys are only named.
   */
  public static String yaml(Path file, List<Path> filesRoots) {
    ImageProfile profile = ProfileLoader.load(file, filesRoots);
    ObjectNode tree = ProfileBinder.MAPPER.valueToTree(profile);
    tree.remove("include");
    if (profile.archs().isEmpty()) {
      tree.putArray("archs").add(Arch.host().map(Arch::apkName)
          .orElse(System.getProperty("os.arch", "").toLowerCase(Locale.ROOT)));
    }
    if (profile.layering() == null) {
      tree.putObject("layering").put("strategy", "single");
    }
    // a user's defaults, as etc/passwd gets them: gid the uid, home /home/NAME, shell /bin/sh
    for (JsonNode user : tree.path("accounts").path("users")) {
      if (user instanceof ObjectNode u) {
        if (!u.hasNonNull("gid") && u.hasNonNull("uid")) {
          u.set("gid", u.get("uid"));
        }
        if (!u.hasNonNull("homedir") && u.hasNonNull("username")) {
          u.put("homedir", "/home/" + u.get("username").asText());
        }
        if (!u.hasNonNull("shell")) {
          u.put("shell", "/bin/sh");
        }
      }
    }
    // What it prints may be pasted into a ticket: a password in a repository URL is not shown.
    for (String list : List.of("repositories", "build_repositories", "runtime_repositories", "keyring")) {
      if (tree.path("contents").get(list) instanceof ArrayNode items) {
        for (int i = 0; i < items.size(); i++) {
          if (items.get(i).isTextual()) {
            items.set(i, items.textNode(dev.apkimg.repo.Credentials.redact(items.get(i).asText())));
          }
        }
      }
    }
    for (String list : List.of("paths", "files")) {
      if (tree.get(list) instanceof ArrayNode items) {
        for (JsonNode item : items) {
          if (item instanceof ObjectNode o && o.path("permissions").isInt()) {
            o.put("permissions", "0o" + Integer.toOctalString(o.get("permissions").asInt()));
          }
        }
      }
    }
    try {
      return "# " + file + " as apkimg reads it: includes merged, defaults written out\n"
          + YAML.writeValueAsString(withoutNulls(tree));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode withoutNulls(JsonNode n) {
    if (n instanceof ObjectNode o) {
      List<String> nulls = new java.util.ArrayList<>();
      o.fields().forEachRemaining(f -> {
        if (f.getValue().isNull()) {
          nulls.add(f.getKey());
        } else {
          withoutNulls(f.getValue());
        }
      });
      o.remove(nulls);
    } else if (n instanceof ArrayNode a) {
      a.forEach(EffectiveProfile::withoutNulls);
    }
    return n;
  }

  /** The JSON Schema (draft 2020-12) of a profile. */
  public static String schema() {
    try (InputStream in = EffectiveProfile.class.getResourceAsStream(SCHEMA_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the profile schema is missing from apkimg's jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
