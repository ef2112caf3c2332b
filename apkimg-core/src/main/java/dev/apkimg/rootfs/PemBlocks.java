package dev.apkimg.rootfs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The PEM blocks of a text, in order: {@code -----BEGIN TYPE-----}, base64 lines, {@code -----END
 * TYPE-----}. Text around the blocks and header lines within them ({@code Name: value}) are
 * passed over, as OpenSSL and p11-kit read a bundle; a block without its END line is dropped.
 * Decoding and parsing the base64 is the caller's: each words its own refusal.
 */
final class PemBlocks {
  private PemBlocks() {}

  /** One block: its type ({@code CERTIFICATE}, {@code X509 CRL}, ...) and its base64 text. */
  record Block(String type, String base64) {}

  static List<Block> of(byte[] text) {
    List<Block> out = new ArrayList<>();
    String type = null;
    StringBuilder b64 = null;
    for (String raw : new String(text, StandardCharsets.ISO_8859_1).split("\n")) {
      String l = raw.strip();
      if (type == null) {
        if (l.startsWith("-----BEGIN ") && l.endsWith("-----") && l.length() > 16) {
          type = l.substring(11, l.length() - 5);
          b64 = new StringBuilder();
        }
      } else if (l.equals("-----END " + type + "-----")) {
        out.add(new Block(type, b64.toString()));
        type = null;
      } else if (!l.contains(":")) {
        b64.append(l);
      }
    }
    return out;
  }
}
