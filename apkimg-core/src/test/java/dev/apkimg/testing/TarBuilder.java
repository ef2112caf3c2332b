package dev.apkimg.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes tar headers byte by byte. commons-compress would do for most entries, but abuild's
 * output has details it cannot produce (the legacy "APK2" checksum in the linkname field of
 * regular files, GNU tar's {@code PaxHeaders} naming, binary-safe xattr values, archives without
 * the end-of-archive blocks), so the few header layouts needed are written here.
 */
final class TarBuilder {
    static final int BLOCK = 512;

    /** The header dialects that occur in apk files. */
    enum Dialect {
        /**
         * GNU tar {@code --format=posix} (abuild's control and data tars): magic "ustar\0" "00",
         * 7-digit numeric fields + NUL, devmajor/devminor "0000000" on real entries.
         */
        POSIX,
        /** GNU tar's default format (abuild-sign's signature tar): magic "ustar  \0", no devices. */
        GNU,
        /** apk-tools' own writer (apk index): GNU magic, 12-digit size and mtime without NUL. */
        APK
    }

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** Appends a header block. {@code linkname} is raw bytes (the "APK2" checksum is binary). */
    TarBuilder header(Dialect dialect, String name, int mode, long uid, long gid, long size, long mtime,
            char type, byte[] linkname, String uname, String gname) {
        byte[] h = new byte[BLOCK];
        put(h, 0, 100, name.getBytes(StandardCharsets.UTF_8));
        octal(h, 100, 8, mode);
        octal(h, 108, 8, uid);
        octal(h, 116, 8, gid);
        if (dialect == Dialect.APK) {
            octalFull(h, 124, 12, size);
            octalFull(h, 136, 12, mtime);
        } else {
            octal(h, 124, 12, size);
            octal(h, 136, 12, mtime);
        }
        h[156] = (byte) type;
        put(h, 157, 100, linkname);
        if (dialect == Dialect.POSIX) {
            put(h, 257, 8, "ustar\u000000".getBytes(StandardCharsets.US_ASCII));
        } else {
            put(h, 257, 8, "ustar  \u0000".getBytes(StandardCharsets.US_ASCII));
        }
        put(h, 265, 32, uname.getBytes(StandardCharsets.UTF_8));
        put(h, 297, 32, gname.getBytes(StandardCharsets.UTF_8));
        // GNU tar fills the device numbers of ordinary posix entries, not of its 'x' headers.
        if (dialect == Dialect.POSIX && type != 'x') {
            octal(h, 329, 8, 0);
            octal(h, 337, 8, 0);
        }
        checksum(h);
        out.writeBytes(h);
        return this;
    }

    /** Appends entry content, padded with NULs to a block boundary. */
    TarBuilder content(byte[] data) {
        out.writeBytes(data);
        int pad = (BLOCK - data.length % BLOCK) % BLOCK;
        out.writeBytes(new byte[pad]);
        return this;
    }

    /** Appends the two zero blocks that end an archive. */
    TarBuilder endOfArchive() {
        out.writeBytes(new byte[2 * BLOCK]);
        return this;
    }

    /** Pads with zero blocks to a multiple of {@code recordSize} (GNU tar: 10240 bytes). */
    TarBuilder padToRecord(int recordSize) {
        int pad = (recordSize - out.size() % recordSize) % recordSize;
        out.writeBytes(new byte[pad]);
        return this;
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }

    /** One PAX record, {@code "<len> <key>=<value>\n"}, where len counts the whole record in bytes. */
    static byte[] paxRecord(String key, byte[] value) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        int rest = 1 + k.length + 1 + value.length + 1; // ' ' key '=' value '\n'
        int len = rest + 1;
        while (len != rest + Integer.toString(len).length()) {
            len = rest + Integer.toString(len).length();
        }
        ByteArrayOutputStream r = new ByteArrayOutputStream(len);
        r.writeBytes((len + " ").getBytes(StandardCharsets.US_ASCII));
        r.writeBytes(k);
        r.write('=');
        r.writeBytes(value);
        r.write('\n');
        return r.toByteArray();
    }

    static byte[] paxRecord(String key, String value) {
        return paxRecord(key, value.getBytes(StandardCharsets.UTF_8));
    }

    private static void put(byte[] h, int off, int len, byte[] value) {
        if (value.length > len) {
            throw new IllegalArgumentException("tar field too long (" + value.length + " > " + len + ")");
        }
        System.arraycopy(value, 0, h, off, value.length);
    }

    /** {@code len-1} zero-padded octal digits and a NUL, as GNU tar writes. */
    private static void octal(byte[] h, int off, int len, long value) {
        String s = Long.toOctalString(value);
        if (s.length() > len - 1) {
            throw new IllegalArgumentException("value too large for tar field: " + value);
        }
        put(h, off, len, ("0".repeat(len - 1 - s.length()) + s).getBytes(StandardCharsets.US_ASCII));
        h[off + len - 1] = 0;
    }

    /** {@code len} zero-padded octal digits, no NUL, as apk-tools' tar writer does for size and mtime. */
    private static void octalFull(byte[] h, int off, int len, long value) {
        String s = Long.toOctalString(value);
        if (s.length() > len) {
            throw new IllegalArgumentException("value too large for tar field: " + value);
        }
        put(h, off, len, ("0".repeat(len - s.length()) + s).getBytes(StandardCharsets.US_ASCII));
    }

    /** Header checksum: six octal digits, NUL, space (the layout of both GNU tar and abuild-tar). */
    static void checksum(byte[] h) {
        Arrays.fill(h, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        String s = Long.toOctalString(sum);
        byte[] digits = ("0".repeat(6 - s.length()) + s).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(digits, 0, h, 148, 6);
        h[154] = 0;
        h[155] = ' ';
    }
}
