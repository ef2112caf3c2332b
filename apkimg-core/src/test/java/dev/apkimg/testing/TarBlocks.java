package dev.apkimg.testing;

import java.nio.charset.StandardCharsets;

/**
 * Raw tar blocks for tests outside this package (the fuzz tests): the header layouts of
 * {@link TarBuilder}, plus GNU long-name entries, so that seeds carry every header kind a parser
 * meets in apk files.
 */
public final class TarBlocks {
    public static final int BLOCK = TarBuilder.BLOCK;

    private final TarBuilder tar = new TarBuilder();

    /** A regular file as GNU tar --format=posix writes it. */
    public TarBlocks file(String name, byte[] content) {
        tar.header(TarBuilder.Dialect.POSIX, name, 0644, 0, 0, content.length, 1718000000L, '0', new byte[0],
                "root", "root").content(content);
        return this;
    }

    /** A regular file as apk-tools' own tar writer writes it (APKINDEX.tar.gz). */
    public TarBlocks apkFile(String name, byte[] content) {
        tar.header(TarBuilder.Dialect.APK, name, 0644, 0, 0, content.length, 1718000000L, '0', new byte[0],
                "root", "root").content(content);
        return this;
    }

    /** A non-regular entry ({@code '2'} symlink, {@code '1'} hardlink, {@code '5'} directory...). */
    public TarBlocks entry(String name, char type, String link) {
        tar.header(TarBuilder.Dialect.POSIX, name, type == '5' ? 0755 : 0777, 0, 0, 0, 1718000000L, type,
                link.getBytes(StandardCharsets.UTF_8), "root", "root");
        return this;
    }

    /** A PAX extended header ({@code 'x'}) holding these records (see {@link #paxRecord}). */
    public TarBlocks pax(byte[]... records) {
        int n = 0;
        for (byte[] r : records) {
            n += r.length;
        }
        byte[] data = new byte[n];
        int off = 0;
        for (byte[] r : records) {
            System.arraycopy(r, 0, data, off, r.length);
            off += r.length;
        }
        tar.header(TarBuilder.Dialect.POSIX, "./PaxHeaders/x", 0644, 0, 0, data.length, 1718000000L, 'x',
                new byte[0], "", "").content(data);
        return this;
    }

    /** A GNU long name ({@code 'L'}) or long link ({@code 'K'}) entry for the next header. */
    public TarBlocks gnuLong(char type, String value) {
        byte[] v = (value + "\0").getBytes(StandardCharsets.UTF_8);
        tar.header(TarBuilder.Dialect.GNU, "././@LongLink", 0644, 0, 0, v.length, 0, type, new byte[0], "root",
                "root").content(v);
        return this;
    }

    public TarBlocks endOfArchive() {
        tar.endOfArchive();
        return this;
    }

    public byte[] toByteArray() {
        return tar.toByteArray();
    }

    public static byte[] paxRecord(String key, byte[] value) {
        return TarBuilder.paxRecord(key, value);
    }

    public static byte[] paxRecord(String key, String value) {
        return TarBuilder.paxRecord(key, value);
    }

    /** Rewrites the header checksum of the block at {@code offset} after a test edited it. */
    public static void fixChecksum(byte[] archive, int offset) {
        byte[] h = java.util.Arrays.copyOfRange(archive, offset, offset + BLOCK);
        TarBuilder.checksum(h);
        System.arraycopy(h, 0, archive, offset, BLOCK);
    }
}
