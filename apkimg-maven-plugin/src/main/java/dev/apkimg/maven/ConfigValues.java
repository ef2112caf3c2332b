package dev.apkimg.maven;

import dev.apkimg.ApkimgException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * The plugin's settings as the user gave them: a {@code -D} or project property wins over the
 * nested configuration, as in jib, because nested objects cannot carry Maven's {@code property=}
 * binding themselves. Lists are comma-separated in properties, maps {@code KEY=VALUE,KEY=VALUE}.
 * No Maven types here, so that the parsing is tested without Maven.
 */
final class ConfigValues {
  private final UnaryOperator<String> properties;

  /** @param properties a property's value by name, or {@code null} when it is not set */
  ConfigValues(UnaryOperator<String> properties) {
    this.properties = properties;
  }

  /** With only the given properties set. */
  static ConfigValues of(Map<String, String> properties) {
    return new ConfigValues(properties::get);
  }

  /** The property's value, else the configured one; {@code null} or blank: not set. */
  String value(String property, String configured) {
    String value = properties.apply(property);
    String chosen = value != null ? value : configured;
    return chosen == null || chosen.isBlank() ? null : chosen.trim();
  }

  /** Whether the property is set, even to nothing. */
  boolean isSet(String property) {
    return properties.apply(property) != null;
  }

  List<String> list(String property, List<String> configured) {
    String value = properties.apply(property);
    if (value == null) {
      return configured == null ? List.of()
          : configured.stream().filter(s -> s != null && !s.isBlank()).map(String::trim).toList();
    }
    return Stream.of(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  /** Keys in the order given; a value may be empty, a key may not. */
  Map<String, String> map(String property, Map<String, String> configured) {
    String value = properties.apply(property);
    Map<String, String> map = new LinkedHashMap<>();
    if (value == null) {
      if (configured != null) {
        configured.forEach((k, v) -> map.put(k, v == null ? "" : v));
      }
      return map;
    }
    for (String pair : value.split(",")) {
      if (pair.isBlank()) {
        continue;
      }
      int eq = pair.indexOf('=');
      if (eq <= 0 || pair.substring(0, eq).isBlank()) {
        throw new ApkimgException("-D" + property + ": '" + pair.trim() + "' is not KEY=VALUE");
      }
      map.put(pair.substring(0, eq).trim(), pair.substring(eq + 1));
    }
    return map;
  }

  /**
   * A wait in seconds, up to a day, with at most millisecond decimals, as the CLI's timeouts.
   *
   * @param parameter the nested parameter, for the message
   * @param fallback the default when neither is set
   */
  Duration seconds(String property, String configured, String parameter, String fallback) {
    String given = value(property, configured);
    String v = given == null ? fallback : given;
    BigDecimal seconds = v.matches("\\d{1,9}(\\.\\d{1,3})?") ? new BigDecimal(v) : null;
    if (seconds == null || seconds.signum() <= 0 || seconds.compareTo(BigDecimal.valueOf(86_400)) > 0) {
      throw new ApkimgException(parameter + " (-D" + property + ") must be more than 0 and at most 86400 seconds, not '"
          + v + "'");
    }
    return Duration.ofMillis(seconds.movePointRight(3).longValue());
  }

  boolean flag(String property, boolean configured) {
    String value = properties.apply(property);
    if (value == null) {
      return configured;
    }
    return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "", "true" -> true;
      case "false" -> false;
      default -> throw new ApkimgException("-D" + property + " is '" + value + "': use true or false");
    };
  }
}
