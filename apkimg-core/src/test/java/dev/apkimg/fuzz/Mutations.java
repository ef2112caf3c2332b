package dev.apkimg.fuzz;

import dev.apkimg.testing.GzipMembers;
import dev.apkimg.testing.TarBlocks;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Mutators for the fuzz tests: generic byte edits (flips, interesting values, truncation, splices,
 * numbers written over fields), tar-header-aware edits that keep the header checksum valid so the
 * parser gets past it, line-aware text edits, and gzip-aware edits that change a member's content
 * and compress it again so the parser gets past the CRC.
 */
final class Mutations {
  private Mutations() {}

  private static final byte[] INTERESTING_BYTES = {0, 1, 0x7f, (byte) 0x80, (byte) 0xff, ' ', '\n', '0', '7', '9',
      '=', '/', '.', 'x', 'L', 'K', 'g', '1', '2', '5'};

  /** Numbers as they appear in headers and texts: huge, negative, overflowing, malformed. */
  static final String[] INTERESTING_NUMBERS = {"0", "-1", "1", "511", "512", "513", "4294967295", "4294967296",
      "2147483647", "2147483648", "-2147483649", "9223372036854775807", "9223372036854775808",
      "99999999999999999999999", "77777777777", "1e400", "NaN", "0x10", "+5", " 5", "", "1.5", "-0", "00000000017"};

  // ---- bytes ----

  /** One to four generic edits. */
  static byte[] bytes(byte[] in, Random r, List<byte[]> corpus) {
    byte[] b = in;
    int edits = 1 + r.nextInt(4);
    for (int k = 0; k < edits; k++) {
      b = byteEdit(b, r, corpus);
    }
    return b;
  }

  private static byte[] byteEdit(byte[] b, Random r, List<byte[]> corpus) {
    if (b.length == 0) {
      return new byte[] {(byte) r.nextInt(256)};
    }
    int at = r.nextInt(b.length);
    switch (r.nextInt(9)) {
      case 0 -> b[at] ^= (byte) (1 << r.nextInt(8));
      case 1 -> b[at] = INTERESTING_BYTES[r.nextInt(INTERESTING_BYTES.length)];
      case 2 -> b[at] = (byte) r.nextInt(256);
      case 3 -> {
        return Arrays.copyOf(b, at); // truncate
      }
      case 4 -> { // delete a range
        int len = Math.min(b.length - at, 1 + r.nextInt(64));
        return concat(Arrays.copyOfRange(b, 0, at), Arrays.copyOfRange(b, at + len, b.length));
      }
      case 5 -> { // duplicate a range
        int len = Math.min(b.length - at, 1 + r.nextInt(600));
        return concat(Arrays.copyOfRange(b, 0, at + len), Arrays.copyOfRange(b, at, b.length));
      }
      case 6 -> { // splice in a piece of another seed
        byte[] other = corpus.get(r.nextInt(corpus.size()));
        if (other.length > 0) {
          int from = r.nextInt(other.length);
          int len = Math.min(other.length - from, 1 + r.nextInt(1024));
          return concat(Arrays.copyOfRange(b, 0, at), Arrays.copyOfRange(other, from, from + len),
              Arrays.copyOfRange(b, at, b.length));
        }
      }
      case 7 -> { // a number written over whatever is there
        byte[] num = INTERESTING_NUMBERS[r.nextInt(INTERESTING_NUMBERS.length)].getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(num, 0, b, at, Math.min(num.length, b.length - at));
      }
      default -> { // insert random bytes
        byte[] ins = new byte[1 + r.nextInt(16)];
        r.nextBytes(ins);
        return concat(Arrays.copyOfRange(b, 0, at), ins, Arrays.copyOfRange(b, at, b.length));
      }
    }
    return b;
  }

  // ---- tar ----

  /** Header fields: offset, length. */
  private static final int[][] FIELDS = {{0, 100}, {100, 8}, {108, 8}, {116, 8}, {124, 12}, {136, 12}, {156, 1},
      {157, 100}, {257, 8}, {329, 8}, {337, 8}, {345, 155}};

  private static final String[] NAMES = {"..", "../../etc/passwd", "/abs", "a/../../b", "./", "", "dir/",
      "a\nb", "x".repeat(99), "usr/bin/\u00e9", "././@LongLink"};

  /**
   * Mostly an edit of one field of one header block (its checksum made right again nine times in
   * ten), else a generic byte edit.
   */
  static byte[] tar(byte[] in, Random r, List<byte[]> corpus) {
    List<Integer> headers = headerOffsets(in);
    if (headers.isEmpty() || r.nextInt(4) == 0) {
      return bytes(in, r, corpus);
    }
    byte[] b = in;
    int edits = 1 + r.nextInt(3);
    for (int k = 0; k < edits; k++) {
      int h = headers.get(r.nextInt(headers.size()));
      if (h + TarBlocks.BLOCK > b.length) {
        continue;
      }
      int[] field = FIELDS[r.nextInt(FIELDS.length)];
      editField(b, h + field[0], field[1], field[0], r);
      if (r.nextInt(10) != 0) {
        TarBlocks.fixChecksum(b, h);
      }
    }
    if (r.nextInt(5) == 0) {
      b = r.nextBoolean() ? Arrays.copyOf(b, r.nextInt(b.length + 1)) : bytes(b, r, corpus);
    }
    return b;
  }

  private static void editField(byte[] b, int off, int len, int fieldStart, Random r) {
    byte[] value;
    if (fieldStart == 156) { // type flag
      byte[] types = {'0', '1', '2', '3', '4', '5', '6', '7', 'x', 'g', 'L', 'K', 'S', 'V', 0, (byte) 0xff};
      b[off] = types[r.nextInt(types.length)];
      return;
    }
    switch (r.nextInt(6)) {
      case 0 -> { // base-256 (GNU): high bit set, then big-endian bytes
        value = new byte[len];
        r.nextBytes(value);
        value[0] = (byte) (r.nextBoolean() ? 0x80 : 0xff);
      }
      case 1 -> value = padOctal(Long.toOctalString(r.nextLong() & Long.MAX_VALUE), len);
      case 2 -> value = padOctal(INTERESTING_NUMBERS[r.nextInt(INTERESTING_NUMBERS.length)], len);
      case 3 -> value = NAMES[r.nextInt(NAMES.length)].getBytes(StandardCharsets.UTF_8);
      case 4 -> value = padOctal(Long.toOctalString(r.nextInt(2048)), len);
      default -> {
        value = new byte[1 + r.nextInt(len)];
        r.nextBytes(value);
      }
    }
    Arrays.fill(b, off, off + len, (byte) 0);
    System.arraycopy(value, 0, b, off, Math.min(value.length, len));
  }

  private static byte[] padOctal(String digits, int len) {
    String s = digits.length() >= len ? digits : "0".repeat(len - 1 - digits.length()) + digits;
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** Offsets of blocks that look like tar headers (ustar magic). */
  private static List<Integer> headerOffsets(byte[] b) {
    List<Integer> out = new ArrayList<>();
    for (int off = 0; off + TarBlocks.BLOCK <= b.length; off += TarBlocks.BLOCK) {
      if (b[off + 257] == 'u' && b[off + 258] == 's' && b[off + 259] == 't' && b[off + 260] == 'a'
          && b[off + 261] == 'r') {
        out.add(off);
      }
    }
    return out;
  }

  // ---- text ----

  /**
   * One to three line-aware edits of UTF-8 text: a line dropped, doubled or swapped, a value
   * replaced by a dictionary word or an interesting number, a token inserted, or a byte edit.
   */
  static byte[] text(byte[] in, Random r, List<byte[]> corpus, String[] dictionary) {
    List<String> lines = new ArrayList<>(List.of(new String(in, StandardCharsets.UTF_8).split("\n", -1)));
    int edits = 1 + r.nextInt(3);
    for (int k = 0; k < edits; k++) {
      if (lines.isEmpty()) {
        lines.add("");
      }
      int at = r.nextInt(lines.size());
      String line = lines.get(at);
      switch (r.nextInt(8)) {
        case 0 -> lines.remove(at);
        case 1 -> lines.add(at, line);
        case 2 -> {
          int other = r.nextInt(lines.size());
          lines.set(at, lines.get(other));
          lines.set(other, line);
        }
        case 3 -> { // the value after the separator replaced
          int sep = separator(line);
          String word = r.nextBoolean() ? pick(dictionary, r) : INTERESTING_NUMBERS[r.nextInt(INTERESTING_NUMBERS.length)];
          lines.set(at, (sep < 0 ? line : line.substring(0, sep + 1)) + word);
        }
        case 4 -> { // a dictionary token inserted in the line
          int pos = line.isEmpty() ? 0 : r.nextInt(line.length() + 1);
          lines.set(at, line.substring(0, pos) + pick(dictionary, r) + line.substring(pos));
        }
        case 5 -> lines.add(at, pick(dictionary, r));
        case 6 -> { // a line from another seed
          List<String> other = List.of(new String(corpus.get(r.nextInt(corpus.size())), StandardCharsets.UTF_8)
              .split("\n", -1));
          lines.add(at, other.get(r.nextInt(other.size())));
        }
        default -> {
          byte[] edited = bytes(line.getBytes(StandardCharsets.UTF_8), r, corpus);
          lines.set(at, new String(edited, StandardCharsets.ISO_8859_1));
        }
      }
    }
    return String.join("\n", lines).getBytes(StandardCharsets.UTF_8);
  }

  private static int separator(String line) {
    int c = line.indexOf(':');
    int e = line.indexOf('=');
    return c < 0 ? e : e < 0 ? c : Math.min(c, e);
  }

  private static String pick(String[] words, Random r) {
    return words[r.nextInt(words.length)];
  }

  // ---- gzip ----

  /**
   * Splits {@code in} into gzip members and, in most cases, replaces one member by its content
   * mutated with {@code inner} and compressed again; else a byte edit of the compressed stream.
   */
  static byte[] gzipMembers(byte[] in, Random r, List<byte[]> corpus, Mutator inner) {
    List<GzipMembers.Member> members;
    try {
      members = GzipMembers.split(in);
    } catch (IllegalArgumentException e) {
      return bytes(in, r, corpus);
    }
    if (members.isEmpty() || r.nextInt(5) == 0) {
      return bytes(in, r, corpus);
    }
    int which = r.nextInt(members.size());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < members.size(); i++) {
      if (i == which) {
        out.writeBytes(GzipMembers.gzip(inner.mutate(members.get(i).content(), r)));
      } else {
        out.writeBytes(members.get(i).compressed());
      }
    }
    return out.toByteArray();
  }

  /** A content mutator for {@link #gzipMembers}. */
  @FunctionalInterface
  interface Mutator {
    byte[] mutate(byte[] content, Random r);
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
