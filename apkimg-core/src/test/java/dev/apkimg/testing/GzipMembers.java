package dev.apkimg.testing;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Gzip members as abuild writes them ({@code gzip -n -9}), and splitting a concatenation of
 * members back apart (an .apk or APKINDEX.tar.gz) for tests that look inside.
 */
public final class GzipMembers {
    private GzipMembers() {
    }

    /** One decoded member: its exact compressed bytes and the uncompressed content. */
    public record Member(byte[] compressed, byte[] content) {
    }

    /**
     * Compresses {@code content} into one gzip member with the header gzip -n -9 writes on Linux:
     * no flags, no name, mtime 0, XFL 2 (best compression), OS 3 (Unix). The JDK's
     * GZIPOutputStream writes XFL 0 / OS 0 and no compression level choice, hence this.
     */
    public static byte[] gzip(byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length / 2 + 64);
        out.writeBytes(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 2, 3});
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION, true);
        try {
            d.setInput(content);
            d.finish();
            byte[] buf = new byte[64 * 1024];
            while (!d.finished()) {
                int n = d.deflate(buf);
                out.write(buf, 0, n);
            }
        } finally {
            d.end();
        }
        CRC32 crc = new CRC32();
        crc.update(content);
        writeLe32(out, crc.getValue());
        writeLe32(out, content.length & 0xffffffffL);
        return out.toByteArray();
    }

    /** Splits concatenated gzip members, keeping each member's exact compressed bytes. */
    public static List<Member> split(byte[] data) {
        List<Member> members = new ArrayList<>();
        int pos = 0;
        while (pos < data.length) {
            if (data.length - pos < 18 || (data[pos] & 0xff) != 0x1f || (data[pos + 1] & 0xff) != 0x8b) {
                throw new IllegalArgumentException("no gzip member at offset " + pos);
            }
            int flg = data[pos + 3] & 0xff;
            int p = pos + 10;
            if ((flg & 4) != 0) { // FEXTRA
                p += 2 + ((data[p] & 0xff) | (data[p + 1] & 0xff) << 8);
            }
            if ((flg & 8) != 0) { // FNAME
                while (data[p++] != 0) { }
            }
            if ((flg & 16) != 0) { // FCOMMENT
                while (data[p++] != 0) { }
            }
            if ((flg & 2) != 0) { // FHCRC
                p += 2;
            }
            Inflater inf = new Inflater(true);
            ByteArrayOutputStream content = new ByteArrayOutputStream();
            try {
                inf.setInput(data, p, data.length - p);
                byte[] buf = new byte[64 * 1024];
                while (!inf.finished()) {
                    int n = inf.inflate(buf);
                    if (n == 0 && (inf.needsInput() || inf.needsDictionary())) {
                        throw new IllegalArgumentException("truncated gzip member at offset " + pos);
                    }
                    content.write(buf, 0, n);
                }
                int end = data.length - inf.getRemaining() + 8; // + CRC32 and ISIZE
                byte[] compressed = java.util.Arrays.copyOfRange(data, pos, end);
                members.add(new Member(compressed, content.toByteArray()));
                pos = end;
            } catch (DataFormatException e) {
                throw new IllegalArgumentException("bad gzip member at offset " + pos, e);
            } finally {
                inf.end();
            }
        }
        return members;
    }

    private static void writeLe32(ByteArrayOutputStream out, long v) {
        out.write((int) (v & 0xff));
        out.write((int) (v >>> 8 & 0xff));
        out.write((int) (v >>> 16 & 0xff));
        out.write((int) (v >>> 24 & 0xff));
    }
}
