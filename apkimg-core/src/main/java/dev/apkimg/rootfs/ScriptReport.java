package dev.apkimg.rootfs;

import java.util.List;

/**
 * What became of one install script ({@code NAME-VERSION.post-install}): the lines apkimg carried
 * out on the image (account changes, {@code chown}, {@code mkdir}), and those it did not.
 */
public record ScriptReport(String script, List<String> carriedOut, List<String> notCarriedOut) {
  public ScriptReport {
    carriedOut = List.copyOf(carriedOut);
    notCarriedOut = List.copyOf(notCarriedOut);
  }
}
