package dev.apkimg.testing;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.Deflater;

/**
 * A gzip member that never ends, made as it is read (nothing is held but one block): hostile
 * tests feed it to readers that must stop at their size limits instead of running out of memory
 * or time. {@link #tarEntry} makes it a tar whose one entry claims 8 GiB and repeats a pattern.
 */
public final class EndlessGzip extends InputStream {
    private static final byte[] GZIP_HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};

    private final byte[] prefix;
    private final byte[] block;
    private final Deflater deflater = new Deflater(Deflater.BEST_SPEED, true);
    private final byte[] out = new byte[1 << 16];
    private int outPos;
    private int outLen;
    private boolean headerSent;
    private boolean prefixSent;
    private long served;

    /** {@code prefix} once, then {@code pattern} forever, deflated. */
    public EndlessGzip(byte[] prefix, byte[] pattern) {
        this.prefix = prefix.clone();
        int repeat = Math.max(1, (1 << 16) / pattern.length);
        this.block = new byte[repeat * pattern.length];
        for (int i = 0; i < repeat; i++) {
            System.arraycopy(pattern, 0, block, i * pattern.length, pattern.length);
        }
    }

    /** A tar holding one entry {@code name} of 8 GiB - 1 bytes that repeats {@code pattern}, never finished. */
    public static EndlessGzip tarEntry(String name, String pattern) {
        byte[] header = new TarBuilder().header(TarBuilder.Dialect.APK, name, 0644, 0, 0, (8L << 30) - 1, 0, '0',
                new byte[0], "root", "root").toByteArray();
        return new EndlessGzip(header, pattern.getBytes(StandardCharsets.UTF_8));
    }

    /** Compressed bytes handed out so far. */
    public long served() {
        return served;
    }

    @Override
    public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (len == 0) {
            return 0;
        }
        if (outPos == outLen) {
            refill();
        }
        int n = Math.min(len, outLen - outPos);
        System.arraycopy(out, outPos, b, off, n);
        outPos += n;
        served += n;
        return n;
    }

    private void refill() {
        outPos = 0;
        if (!headerSent) {
            System.arraycopy(GZIP_HEADER, 0, out, 0, GZIP_HEADER.length);
            outLen = GZIP_HEADER.length;
            headerSent = true;
            return;
        }
        outLen = 0;
        while (outLen == 0) {
            if (deflater.needsInput()) {
                deflater.setInput(prefixSent ? block : prefix);
                prefixSent = true;
            }
            outLen = deflater.deflate(out, 0, out.length, Deflater.SYNC_FLUSH);
        }
    }

    @Override
    public void close() {
        deflater.end();
    }
}
