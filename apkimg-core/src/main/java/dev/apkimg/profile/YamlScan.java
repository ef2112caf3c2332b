package dev.apkimg.profile;

import static dev.apkimg.profile.YamlPositions.firstLine;
import static dev.apkimg.profile.YamlPositions.syntaxErrorWhere;
import static dev.apkimg.profile.YamlPositions.where;
import static dev.apkimg.profile.YamlPositions.yamlProblem;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.apkimg.rootfs.AccountFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * The check of a profile's YAML as written, before Jackson binds it: Jackson would silently keep
 * one of two equal keys, read an alias as text and ignore a second document. Apart from the
 * binding because it walks the parser's tokens, not the bound values.
 */
final class YamlScan {
  private YamlScan() {}

  /**
   * Checks the YAML as written, before Jackson binds it, for what binding would silently get
   * wrong: a key given twice in one mapping (Jackson keeps one value), an alias ({@code *name},
   * which Jackson reads as the text "name"; refused, so nothing is expanded either) and a second
   * document (ignored).
   */
  static void scan(Path file, String text) {
    Deque<Map<String, JsonLocation>> mappings = new ArrayDeque<>();
    int depth = 0;
    boolean rootDone = false;
    JsonLocation last = null;
    try (JsonParser p = ProfileBinder.MAPPER.getFactory().createParser(text)) {
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
}
