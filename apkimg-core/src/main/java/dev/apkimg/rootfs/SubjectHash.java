package dev.apkimg.rootfs;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * OpenSSL's name hash ({@code X509_NAME_hash}, what {@code openssl x509 -subject_hash} prints and
 * what a CApath lookup opens as {@code HASH.N}): the first four bytes, little-endian, of the SHA-1
 * of the name's canonical encoding. That encoding is each RDN's SET (members in DER order) one
 * after the other, without the outer SEQUENCE, where every value of a text type becomes a
 * UTF8String, lower case (ASCII letters only), without leading and trailing white space and with
 * each run of inner white space made one space; values of other types stay as they are.
 */
final class SubjectHash {
  private static final int SEQUENCE = 0x30;
  private static final int SET = 0x31;
  private static final int UTF8 = 0x0C;

  private SubjectHash() {}

  /** The subject name hash of a DER certificate. */
  static long ofCertificate(byte[] der) {
    return of(certificateSubject(der));
  }

  /** The issuer name hash of a DER CRL (the {@code .rN} links). */
  static long ofCrl(byte[] der) {
    DerCursor tbs = DerCursor.of(der).enter(SEQUENCE).enter(SEQUENCE);
    if (tbs.tag() == 0x02) {
      tbs.skip(); // version
    }
    tbs.skip(); // signature algorithm
    return of(tbs.element());
  }

  /** The subject Name (its whole DER element) of a DER certificate. */
  static byte[] certificateSubject(byte[] der) {
    DerCursor tbs = DerCursor.of(der).enter(SEQUENCE).enter(SEQUENCE);
    if (tbs.tag() == 0xA0) {
      tbs.skip(); // [0] version
    }
    tbs.skip(); // serial number
    tbs.skip(); // signature algorithm
    tbs.skip(); // issuer
    tbs.skip(); // validity
    return tbs.element();
  }

  /** The hash of a DER Name, as an unsigned 32-bit value. */
  static long of(byte[] name) {
    byte[] md;
    try {
      md = MessageDigest.getInstance("SHA-1").digest(canonical(name));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    return (md[0] & 0xffL) | (md[1] & 0xffL) << 8 | (md[2] & 0xffL) << 16 | (md[3] & 0xffL) << 24;
  }

  /** The canonical encoding of a DER Name. */
  static byte[] canonical(byte[] name) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DerCursor rdns = DerCursor.of(name).enter(SEQUENCE);
    while (rdns.more()) {
      DerCursor set = rdns.enter(SET);
      List<byte[]> members = new ArrayList<>();
      while (set.more()) {
        DerCursor ava = set.enter(SEQUENCE);
        byte[] type = ava.element();
        int tag = ava.tag();
        byte[] value = ava.element();
        byte[] canon = canonicalValue(tag, DerCursor.of(value).content());
        members.add(tlv(SEQUENCE, concat(type, canon == null ? value : tlv(UTF8, canon))));
      }
      members.sort(SubjectHash::derOrder);
      ByteArrayOutputStream s = new ByteArrayOutputStream();
      members.forEach(m -> s.writeBytes(m));
      out.writeBytes(tlv(SET, s.toByteArray()));
    }
    return out.toByteArray();
  }

  /** A text value's canonical UTF-8 bytes, or null for a type OpenSSL keeps as it is. */
  private static byte[] canonicalValue(int tag, byte[] v) {
    byte[] utf8 = switch (tag) {
      case UTF8 -> v;
      case 0x1E -> new String(v, StandardCharsets.UTF_16BE).getBytes(StandardCharsets.UTF_8); // BMPString
      case 0x1C -> new String(v, Charset.forName("UTF-32BE")).getBytes(StandardCharsets.UTF_8); // UniversalString
      // PrintableString, T61String, IA5String, VisibleString: one byte, one character
      case 0x13, 0x14, 0x16, 0x1A -> new String(v, StandardCharsets.ISO_8859_1).getBytes(StandardCharsets.UTF_8);
      default -> null;
    };
    if (utf8 == null) {
      return null;
    }
    int from = 0;
    int to = utf8.length;
    while (from < to && space(utf8[from])) {
      from++;
    }
    while (to > from && space(utf8[to - 1])) {
      to--;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = from; i < to; ) {
      byte b = utf8[i];
      if (b < 0) {
        out.write(b); // not ASCII: as it is
        i++;
      } else if (space(b)) {
        out.write(' ');
        while (space(utf8[i])) {
          i++; // the last byte is not white space, so this stops before the end
        }
      } else {
        out.write(b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b);
        i++;
      }
    }
    return out.toByteArray();
  }

  private static boolean space(byte b) {
    return b == ' ' || (b >= '\t' && b <= '\r');
  }

  /** DER's order of SET OF members: bytewise, a shorter prefix first. */
  private static int derOrder(byte[] a, byte[] b) {
    int c = Arrays.compareUnsigned(a, 0, Math.min(a.length, b.length), b, 0, Math.min(a.length, b.length));
    return c != 0 ? c : Integer.compare(a.length, b.length);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static byte[] tlv(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
    out.write(tag);
    int n = content.length;
    if (n < 0x80) {
      out.write(n);
    } else {
      int bytes = n < 0x100 ? 1 : n < 0x10000 ? 2 : n < 0x1000000 ? 3 : 4;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(n >>> (8 * i));
      }
    }
    out.writeBytes(content);
    return out.toByteArray();
  }
}
