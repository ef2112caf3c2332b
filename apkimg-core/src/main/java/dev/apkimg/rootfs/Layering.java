package dev.apkimg.rootfs;

import java.util.Locale;
import java.util.Optional;

/**
 * How the root filesystem is split into image layers. {@link Strategy#SINGLE} (the default) is
 * one layer; {@link Strategy#PACKAGES} makes each package's data stream its own layer, up to
 * {@code budget} package layers (the smallest packages share one layer above it), with one
 * layer on top for what apk and the profile write.
 */
public record Layering(Strategy strategy, int budget) {
  /** Package layers when the profile names no budget. */
  public static final int DEFAULT_BUDGET = 50;
  /**
   * The most package layers: Docker refuses images of more than 127 layers; this leaves room for
   * the top layer and for application layers added on top (the Maven plugin's).
   */
  public static final int MAX_BUDGET = 100;

  public enum Strategy { SINGLE, PACKAGES }

  public Layering {
    if (budget < 1 || budget > MAX_BUDGET) {
      throw new IllegalArgumentException("the layering budget must be from 1 to " + MAX_BUDGET + ", not " + budget);
    }
  }

  /** One layer: what every build made before layering existed. */
  public static Layering single() {
    return new Layering(Strategy.SINGLE, DEFAULT_BUDGET);
  }

  /**
   * The strategy named {@code name} ({@code packages} or {@code single}) with {@code budget} (null:
   * {@link #DEFAULT_BUDGET}); an {@link IllegalArgumentException} says what is wrong in words a
   * user can act on.
   */
  public static Layering of(String name, Integer budget) {
    String n = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
    int b = budget == null ? DEFAULT_BUDGET : budget;
    return switch (n) {
      case "packages" -> new Layering(Strategy.PACKAGES, b);
      case "single" -> new Layering(Strategy.SINGLE, b);
      case "origin" -> throw new IllegalArgumentException(
          "layering strategy 'origin' (apko's) is not supported yet: use 'packages' or 'single'");
      default -> throw new IllegalArgumentException("layering strategy must be 'packages' or 'single', not '"
          + AccountFiles.printable(n) + "'");
    };
  }

  /** The profile's layering, or empty when the profile has none. */
  public static Optional<Layering> ofProfile(String strategy, Integer budget) {
    return strategy == null && budget == null ? Optional.empty()
        : Optional.of(of(strategy == null ? "packages" : strategy, budget));
  }

  public boolean packages() {
    return strategy == Strategy.PACKAGES;
  }
}
