package dev.apkimg.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * An apk v2 package to be written exactly as abuild 3.x writes one, built with {@link #builder}.
 *
 * <p>The .apk is three gzip members (gzip -n -9): a signature tar holding {@code .SIGN.RSA.<key>}
 * (abuild-sign; GNU tar format; no end-of-archive blocks), a control tar holding {@code .PKGINFO}
 * and the install scripts (GNU tar --format=posix, {@code abuild-tar --cut}), and the data tar
 * (GNU tar --format=posix, name-sorted, piped through {@code abuild-tar --hash}, with the
 * end-of-archive blocks and the padding to GNU tar's 10240-byte record).
 *
 * <p>Instances are immutable; the members are computed once and are a pure function of the
 * package (and, for the signature, of the key), so the same package always gives the same bytes.
 */
public final class TestPackage {
    /** Kinds of data tar entries. */
    public enum Kind { DIRECTORY, FILE, SYMLINK, HARDLINK }

    /**
     * One path of the package's file system.
     *
     * @param path    relative path without leading or trailing slash, e.g. {@code usr/bin/foo}
     * @param mode    permission bits including setuid/setgid/sticky (07777)
     * @param target  link target for symlinks (as written), or the path of the file a hardlink joins
     * @param xattrs  extended attributes, name (e.g. {@code security.capability}) to raw value
     */
    public record Entry(String path, Kind kind, int mode, long uid, long gid, byte[] content,
            String target, Map<String, byte[]> xattrs) {
    }

    private static final int GNU_TAR_RECORD = 10240;
    private static final DateTimeFormatter DATE_U =
            DateTimeFormatter.ofPattern("EEE MMM dd HH:mm:ss 'UTC' yyyy", Locale.ROOT).withZone(ZoneOffset.UTC);

    private final String name;
    private final String version;
    private final String arch;
    private final String description;
    private final String url;
    private final String license;
    private final String origin;
    private final String maintainer;
    private final String commit;
    private final long builddate;
    private final List<String> depends;
    private final List<String> provides;
    private final List<String> installIf;
    private final List<String> replaces;
    private final List<String> triggers;
    private final Integer providerPriority;
    private final Integer replacesPriority;
    private final Map<String, Entry> entries;
    private final Map<String, byte[]> scripts;
    /** A hand-made data tar that replaces the one written from {@link #entries}, or null. */
    private final RawDataTar rawData;
    /** The declared installed size when given explicitly ({@code .PKGINFO size}), else -1. */
    private final long declaredSize;

    // Computed lazily: the data member, then the control member that records its hash.
    private byte[] dataMember;
    private byte[] controlMember;
    private long installedSize = -1;

    private TestPackage(Builder b) {
        this.name = b.name;
        this.version = b.version;
        this.arch = b.arch;
        this.description = b.description;
        this.url = b.url;
        this.license = b.license;
        this.origin = b.origin != null ? b.origin : b.name;
        this.maintainer = b.maintainer;
        this.commit = b.commit;
        this.builddate = b.builddate;
        this.depends = List.copyOf(b.depends);
        this.provides = List.copyOf(b.provides);
        this.installIf = List.copyOf(b.installIf);
        this.replaces = List.copyOf(b.replaces);
        this.triggers = List.copyOf(b.triggers);
        this.providerPriority = b.providerPriority;
        this.replacesPriority = b.replacesPriority;
        this.entries = withParentDirectories(b.entries);
        this.scripts = new LinkedHashMap<>(b.scripts);
        this.rawData = b.rawData;
        this.declaredSize = b.declaredSize;
        validateHardlinks();
    }

    public static Builder builder(String name, String version) {
        return new Builder(name, version);
    }

    /** A builder preset with this package's values, to make a variant (e.g. a newer version). */
    public Builder toBuilder() {
        Builder b = new Builder(name, version);
        b.arch = arch;
        b.description = description;
        b.url = url;
        b.license = license;
        b.origin = origin;
        b.maintainer = maintainer;
        b.commit = commit;
        b.builddate = builddate;
        b.depends.addAll(depends);
        b.provides.addAll(provides);
        b.installIf.addAll(installIf);
        b.replaces.addAll(replaces);
        b.triggers.addAll(triggers);
        b.providerPriority = providerPriority;
        b.replacesPriority = replacesPriority;
        b.entries.putAll(entries);
        b.scripts.putAll(scripts);
        b.rawData = rawData;
        b.declaredSize = declaredSize;
        return b;
    }

    public String name() { return name; }
    public String version() { return version; }
    public String arch() { return arch; }
    public String description() { return description; }
    public String url() { return url; }
    public String license() { return license; }
    public String origin() { return origin; }
    public String maintainer() { return maintainer; }
    public String commit() { return commit; }
    public long builddate() { return builddate; }
    public List<String> depends() { return depends; }
    public List<String> provides() { return provides; }
    public List<String> installIf() { return installIf; }
    public List<String> replaces() { return replaces; }
    public List<String> triggers() { return triggers; }
    public Integer providerPriority() { return providerPriority; }
    public Integer replacesPriority() { return replacesPriority; }

    /** All paths, including the parent directories added implicitly, in data tar order. */
    public List<Entry> entries() {
        return List.copyOf(tarOrder());
    }

    /** Script file names ({@code .post-install}, ...) to their content, in control tar order. */
    public Map<String, byte[]> scripts() {
        return new LinkedHashMap<>(scripts);
    }

    /** {@code NAME-VERSION.apk}. */
    public String fileName() {
        return name + "-" + version + ".apk";
    }

    /** The third gzip member: the data tar. */
    public synchronized byte[] dataMember() {
        if (dataMember == null) {
            dataMember = rawData != null ? rawData.gzipMember() : GzipMembers.gzip(dataTar());
        }
        return dataMember.clone();
    }

    /** The second gzip member: the control tar (its .PKGINFO holds {@link #datahash()}). */
    public synchronized byte[] controlMember() {
        if (controlMember == null) {
            controlMember = GzipMembers.gzip(controlTar());
        }
        return controlMember.clone();
    }

    /** Hex sha256 of the data member, as in {@code .PKGINFO datahash}. */
    public String datahash() {
        return HexFormat.of().formatHex(digest("SHA-256", dataMember()));
    }

    /** {@code "Q1" + base64(sha1(control member))}, the APKINDEX {@code C:} value. */
    public String q1() {
        return "Q1" + Base64.getEncoder().encodeToString(digest("SHA-1", controlMember()));
    }

    /**
     * The installed size as abuild computes it ({@code du -sk} of the package directory, in
     * bytes) on a 4 KiB-block file system: 4096 per directory including the package root, each
     * file rounded up to 4096 (hardlinked files once), symlinks 0 (stored in the inode).
     */
    public synchronized long installedSize() {
        if (installedSize < 0 && declaredSize >= 0) {
            installedSize = declaredSize;
        } else if (installedSize < 0 && rawData != null) {
            installedSize = rawData.installedSize();
        } else if (installedSize < 0) {
            long total = 4096;
            for (Entry e : entries.values()) {
                if (e.kind() == Kind.DIRECTORY) {
                    total += 4096;
                } else if (e.kind() == Kind.FILE) {
                    total += (e.content().length + 4095L) / 4096 * 4096;
                }
            }
            installedSize = total;
        }
        return installedSize;
    }

    /** The {@code .PKGINFO} text. */
    public String pkginfo() {
        StringBuilder s = new StringBuilder();
        // abuild's three comment lines; the date is `date -u` at build time, here the builddate.
        s.append("# Generated by abuild 3.13.0\n");
        s.append("# using fakeroot version 1.31\n");
        s.append("# ").append(DATE_U.format(Instant.ofEpochSecond(builddate))).append('\n');
        // Field order of abuild 3.13 as seen in Alpine 3.20 packages.
        line(s, "pkgname", name);
        line(s, "pkgver", version);
        line(s, "arch", arch);
        line(s, "size", Long.toString(installedSize()));
        line(s, "pkgdesc", description);
        line(s, "url", url);
        line(s, "license", license);
        line(s, "origin", origin);
        line(s, "maintainer", maintainer);
        line(s, "builddate", Long.toString(builddate));
        line(s, "commit", commit);
        if (providerPriority != null) {
            line(s, "provider_priority", providerPriority.toString());
        }
        if (replacesPriority != null) {
            line(s, "replaces_priority", replacesPriority.toString());
        }
        depends.forEach(d -> line(s, "depend", d));
        provides.forEach(p -> line(s, "provides", p));
        installIf.forEach(i -> line(s, "install_if", i));
        replaces.forEach(r -> line(s, "replaces", r));
        if (!triggers.isEmpty()) {
            line(s, "triggers", String.join(" ", triggers));
        }
        line(s, "datahash", datahash());
        return s.toString();
    }

    /** Builds the .apk signed by {@code key} with a {@code .SIGN.RSA.} (SHA-1) signature. */
    public BuiltApk build(TestKey key) {
        return build(key, SignatureType.RSA);
    }

    /** Builds the .apk signed by {@code key} with the given signature kind. */
    public BuiltApk build(TestKey key, SignatureType type) {
        byte[] control = controlMember();
        byte[] sig = key.sign(type, control);
        byte[] sigMember = signatureMember(type, key, sig, builddate);
        byte[] data = dataMember();
        byte[] all = new byte[sigMember.length + control.length + data.length];
        System.arraycopy(sigMember, 0, all, 0, sigMember.length);
        System.arraycopy(control, 0, all, sigMember.length, control.length);
        System.arraycopy(data, 0, all, sigMember.length + control.length, data.length);
        return new BuiltApk(this, all, sigMember, control, data, q1(), datahash(), installedSize());
    }

    /** Writes the .apk signed by {@code key} ({@code .SIGN.RSA.}, SHA-1) to {@code file}. */
    public BuiltApk writeApk(Path file, TestKey key) throws IOException {
        return writeApk(file, key, SignatureType.RSA);
    }

    /** Writes the .apk signed by {@code key} with the given signature kind to {@code file}. */
    public BuiltApk writeApk(Path file, TestKey key, SignatureType type) throws IOException {
        BuiltApk apk = build(key, type);
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        Files.write(file, apk.bytes());
        return apk;
    }

    /**
     * abuild-sign's member: a GNU-format tar of the one signature entry (owner 0, no names), cut by
     * abuild-tar, gzip -9. abuild-sign stamps the signing time; here a given mtime, for determinism.
     */
    static byte[] signatureMember(SignatureType type, TestKey key, byte[] sig, long mtime) {
        byte[] tar = new TarBuilder()
                .header(TarBuilder.Dialect.GNU, type.entryPrefix() + key.name(), 0644, 0, 0, sig.length, mtime, '0',
                        new byte[0], "", "")
                .content(sig)
                .toByteArray();
        return GzipMembers.gzip(tar);
    }

    @Override
    public String toString() {
        return "TestPackage[" + name + "-" + version + " " + arch + "]";
    }

    // ---- control tar ----

    private byte[] controlTar() {
        TarBuilder t = new TarBuilder();
        controlEntry(t, ".PKGINFO", 0644, pkginfo().getBytes(StandardCharsets.UTF_8));
        scripts.forEach((n, c) -> controlEntry(t, n, 0755, c));
        return t.toByteArray(); // abuild-tar --cut: no end-of-archive blocks
    }

    private void controlEntry(TarBuilder t, String file, int mode, byte[] content) {
        // GNU tar --format=posix with --pax-option=...,atime:=0,ctime:=0 puts a PAX header before each entry.
        byte[] pax = concat(TarBuilder.paxRecord("ctime", "0"), TarBuilder.paxRecord("atime", "0"));
        t.header(TarBuilder.Dialect.POSIX, "./PaxHeaders/" + file, 0644, 0, 0, pax.length, builddate, 'x',
                new byte[0], "", "").content(pax);
        t.header(TarBuilder.Dialect.POSIX, file, mode, 0, 0, content.length, builddate, '0', new byte[0],
                "root", "root").content(content);
    }

    // ---- data tar ----

    private byte[] dataTar() {
        TarBuilder t = new TarBuilder();
        Map<String, String> firstOfGroup = new HashMap<>(); // hardlink group root -> path written as the file
        for (Entry e : tarOrder()) {
            Entry src = e;
            char type;
            byte[] content = new byte[0];
            String link = "";
            switch (e.kind()) {
                case DIRECTORY -> type = '5';
                case SYMLINK -> {
                    type = '2';
                    link = e.target();
                }
                default -> {
                    // GNU tar stores the first path of a hardlinked inode as the file, later ones as links to it.
                    String root = hardlinkRoot(e);
                    src = entries.get(root);
                    String first = firstOfGroup.putIfAbsent(root, e.path());
                    if (first == null) {
                        type = '0';
                        content = src.content();
                    } else {
                        type = '1';
                        link = first;
                    }
                }
            }
            String tarName = e.kind() == Kind.DIRECTORY ? e.path() + "/" : e.path();
            byte[] nameBytes = tarName.getBytes(StandardCharsets.UTF_8);
            byte[] linkBytes = link.getBytes(StandardCharsets.UTF_8);

            List<byte[]> pax = new ArrayList<>();
            // Names that do not fit ustar's 100 bytes go into PAX records (GNU tar posix does not split them).
            if (nameBytes.length > 100) {
                pax.add(TarBuilder.paxRecord("path", tarName));
                nameBytes = Arrays.copyOf(nameBytes, 100);
            }
            if (linkBytes.length > 100) {
                pax.add(TarBuilder.paxRecord("linkpath", link));
                linkBytes = Arrays.copyOf(linkBytes, 100);
            }
            src.xattrs().forEach((k, v) -> pax.add(TarBuilder.paxRecord("SCHILY.xattr." + k, v)));
            // The --pax-option keyword overrides come last, in reverse order of the option string.
            pax.add(TarBuilder.paxRecord("ctime", "0"));
            pax.add(TarBuilder.paxRecord("atime", "0"));
            // abuild-tar --hash: SHA-1 of the content for files, of the target string for symlinks,
            // appended to the PAX header; files also get the legacy binary form in the linkname field.
            if (type == '0') {
                byte[] sha1 = digest("SHA-1", content);
                pax.add(TarBuilder.paxRecord("APK-TOOLS.checksum.SHA1", HexFormat.of().formatHex(sha1)));
                linkBytes = legacyChecksum(sha1);
            } else if (type == '2') {
                byte[] sha1 = digest("SHA-1", link.getBytes(StandardCharsets.UTF_8));
                pax.add(TarBuilder.paxRecord("APK-TOOLS.checksum.SHA1", HexFormat.of().formatHex(sha1)));
            }
            byte[] paxData = concat(pax.toArray(new byte[0][]));
            int slash = e.path().lastIndexOf('/');
            String paxName = (slash < 0 ? "." : e.path().substring(0, slash)) + "/PaxHeaders/"
                    + e.path().substring(slash + 1);
            byte[] paxNameBytes = paxName.getBytes(StandardCharsets.UTF_8);
            if (paxNameBytes.length > 100) {
                paxName = new String(Arrays.copyOf(paxNameBytes, 100), StandardCharsets.UTF_8);
            }
            t.header(TarBuilder.Dialect.POSIX, paxName, 0644, 0, 0, paxData.length, builddate, 'x', new byte[0],
                    "", "").content(paxData);

            int mode = type == '2' ? 0777 : src.mode();
            // uname/gname only for root: apk-tools maps names through the target's /etc/passwd
            // before falling back to the numeric ids, so a name must never contradict the id.
            t.header(TarBuilder.Dialect.POSIX, new String(nameBytes, StandardCharsets.UTF_8), mode, src.uid(),
                    src.gid(), content.length, builddate, type, linkBytes, src.uid() == 0 ? "root" : "",
                    src.gid() == 0 ? "root" : "");
            if (content.length > 0) {
                t.content(content);
            }
        }
        return t.endOfArchive().padToRecord(GNU_TAR_RECORD).toByteArray();
    }

    /** abuild-tar's legacy checksum: at linkname[3], "APK2", nid (NID_sha1 = 64) and size (20) as LE16, digest. */
    private static byte[] legacyChecksum(byte[] sha1) {
        byte[] l = new byte[3 + 8 + sha1.length];
        l[3] = 'A';
        l[4] = 'P';
        l[5] = 'K';
        l[6] = '2';
        l[7] = 64;
        l[9] = (byte) sha1.length;
        System.arraycopy(sha1, 0, l, 11, sha1.length);
        return l;
    }

    /** GNU tar --sort=name order: each directory's children sorted by byte value, depth first. */
    private List<Entry> tarOrder() {
        Map<String, List<String>> children = new HashMap<>();
        for (String p : entries.keySet()) {
            int slash = p.lastIndexOf('/');
            children.computeIfAbsent(slash < 0 ? "" : p.substring(0, slash), k -> new ArrayList<>()).add(p);
        }
        children.values().forEach(l -> l.sort(TestPackage::compareBytes));
        List<Entry> out = new ArrayList<>(entries.size());
        walk("", children, out);
        return out;
    }

    private void walk(String dir, Map<String, List<String>> children, List<Entry> out) {
        for (String p : children.getOrDefault(dir, List.of())) {
            out.add(entries.get(p));
            walk(p, children, out);
        }
    }

    private static int compareBytes(String a, String b) {
        return Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    private String hardlinkRoot(Entry e) {
        Entry cur = e;
        for (int i = 0; cur.kind() == Kind.HARDLINK; i++) {
            if (i > entries.size()) {
                throw new IllegalArgumentException("hardlink cycle at " + e.path());
            }
            cur = entries.get(cur.target());
        }
        return cur.path();
    }

    private void validateHardlinks() {
        for (Entry e : entries.values()) {
            if (e.kind() == Kind.HARDLINK) {
                Entry cur = e;
                for (int i = 0; cur != null && cur.kind() == Kind.HARDLINK; i++) {
                    if (i > entries.size()) {
                        throw new IllegalArgumentException("hardlink cycle at " + e.path());
                    }
                    cur = entries.get(cur.target());
                }
                if (cur == null || cur.kind() != Kind.FILE) {
                    throw new IllegalArgumentException("hardlink " + e.path() + " -> " + e.target()
                            + ": target must be a regular file of the package");
                }
            }
        }
    }

    private static Map<String, Entry> withParentDirectories(Map<String, Entry> given) {
        Map<String, Entry> all = new TreeMap<>(given);
        for (String p : given.keySet()) {
            for (int i = p.indexOf('/'); i > 0; i = p.indexOf('/', i + 1)) {
                String parent = p.substring(0, i);
                Entry existing = all.get(parent);
                if (existing == null) {
                    all.put(parent, new Entry(parent, Kind.DIRECTORY, 0755, 0, 0, new byte[0], null, Map.of()));
                } else if (existing.kind() != Kind.DIRECTORY) {
                    throw new IllegalArgumentException(parent + " is both a parent directory and a " + existing.kind());
                }
            }
        }
        return all;
    }

    private static void line(StringBuilder s, String key, String value) {
        if (value != null) {
            s.append(key).append(" = ").append(value).append('\n');
        }
    }

    static byte[] digest(String alg, byte[] data) {
        try {
            return MessageDigest.getInstance(alg).digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] r = new byte[n];
        int off = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, r, off, p.length);
            off += p.length;
        }
        return r;
    }

    /** Builder; paths may be given with or without a leading slash. */
    public static final class Builder {
        private final String name;
        private final String version;
        private String arch = "x86_64";
        private String description;
        private String url = "https://apkimg.dev/test";
        private String license = "MIT";
        private String origin;
        private String maintainer = "apkimg tests <tests@apkimg.dev>";
        private String commit;
        private long builddate = 1718000000L;
        private final List<String> depends = new ArrayList<>();
        private final List<String> provides = new ArrayList<>();
        private final List<String> installIf = new ArrayList<>();
        private final List<String> replaces = new ArrayList<>();
        private final List<String> triggers = new ArrayList<>();
        private Integer providerPriority;
        private Integer replacesPriority;
        private final Map<String, Entry> entries = new LinkedHashMap<>();
        private final Map<String, byte[]> scripts = new LinkedHashMap<>();
        private RawDataTar rawData;
        private long declaredSize = -1;

        private Builder(String name, String version) {
            this.name = Objects.requireNonNull(name);
            this.version = Objects.requireNonNull(version);
            this.description = "apkimg test package " + name;
        }

        public Builder arch(String v) { arch = v; return this; }
        public Builder description(String v) { description = v; return this; }
        public Builder url(String v) { url = v; return this; }
        public Builder license(String v) { license = v; return this; }
        /** Defaults to the package name. */
        public Builder origin(String v) { origin = v; return this; }
        public Builder maintainer(String v) { maintainer = v; return this; }
        /** The aports commit ({@code commit =}, index {@code c:}); none by default. */
        public Builder commit(String v) { commit = v; return this; }
        /** Epoch seconds; also the mtime of every tar entry. */
        public Builder builddate(long v) { builddate = v; return this; }
        /** Dependencies as apk spells them: {@code so:libc.musl-x86_64.so.1}, {@code foo>=1.2}, {@code !bar}. */
        public Builder depends(String... v) { depends.addAll(List.of(v)); return this; }
        public Builder provides(String... v) { provides.addAll(List.of(v)); return this; }
        public Builder installIf(String... v) { installIf.addAll(List.of(v)); return this; }
        public Builder replaces(String... v) { replaces.addAll(List.of(v)); return this; }
        public Builder providerPriority(int v) { providerPriority = v; return this; }
        public Builder replacesPriority(int v) { replacesPriority = v; return this; }

        public Builder dir(String path) { return dir(path, 0755, 0, 0); }
        public Builder dir(String path, int mode) { return dir(path, mode, 0, 0); }
        public Builder dir(String path, int mode, long uid, long gid) {
            return put(new Entry(clean(path), Kind.DIRECTORY, mode & 07777, uid, gid, new byte[0], null, Map.of()));
        }

        public Builder file(String path, String content) { return file(path, content.getBytes(StandardCharsets.UTF_8)); }
        public Builder file(String path, byte[] content) { return file(path, content, 0644, 0, 0); }
        public Builder file(String path, byte[] content, int mode) { return file(path, content, mode, 0, 0); }
        /** A regular file; {@code mode} may include setuid (04000), setgid (02000) and sticky (01000). */
        public Builder file(String path, byte[] content, int mode, long uid, long gid) {
            return put(new Entry(clean(path), Kind.FILE, mode & 07777, uid, gid, content.clone(), null, Map.of()));
        }

        /** A symlink; the target is stored verbatim (absolute or relative). */
        public Builder symlink(String path, String target) {
            return put(new Entry(clean(path), Kind.SYMLINK, 0777, 0, 0, new byte[0], target, Map.of()));
        }

        /** A second name for the regular file {@code target} (a package path). */
        public Builder hardlink(String path, String target) {
            return put(new Entry(clean(path), Kind.HARDLINK, 0, 0, 0, new byte[0], clean(target), Map.of()));
        }

        /** Adds an extended attribute (raw bytes) to an entry added before. */
        public Builder xattr(String path, String xattrName, byte[] value) {
            Entry e = entries.get(clean(path));
            if (e == null) {
                throw new IllegalArgumentException("xattr on unknown path " + path);
            }
            Map<String, byte[]> x = new LinkedHashMap<>(e.xattrs());
            x.put(xattrName, value.clone());
            entries.put(e.path(), new Entry(e.path(), e.kind(), e.mode(), e.uid(), e.gid(), e.content(), e.target(), x));
            return this;
        }

        public Builder preInstall(String script) { return script(".pre-install", script); }
        public Builder postInstall(String script) { return script(".post-install", script); }
        public Builder preUpgrade(String script) { return script(".pre-upgrade", script); }
        public Builder postUpgrade(String script) { return script(".post-upgrade", script); }
        public Builder preDeinstall(String script) { return script(".pre-deinstall", script); }
        public Builder postDeinstall(String script) { return script(".post-deinstall", script); }

        /** A {@code .trigger} script run when any of {@code paths} (globs allowed) changes. */
        public Builder trigger(String script, String... paths) {
            if (paths.length == 0) {
                throw new IllegalArgumentException("a trigger needs at least one path");
            }
            triggers.addAll(List.of(paths));
            return script(".trigger", script);
        }

        /** A control-tar script by file name (e.g. {@code .post-install}); kept in the order added, as abuild does. */
        public Builder script(String fileName, String content) {
            if (!fileName.startsWith(".")) {
                throw new IllegalArgumentException("script names start with a dot: " + fileName);
            }
            scripts.put(fileName, content.getBytes(StandardCharsets.UTF_8));
            return this;
        }

        /**
         * Uses {@code data} as the data tar, verbatim, instead of one written from the entries
         * added with {@link #file} and the like (those are then ignored for the data tar).
         */
        public Builder rawData(RawDataTar data) { rawData = Objects.requireNonNull(data); return this; }

        /** Declares this installed size ({@code .PKGINFO size}, index {@code I:}) instead of the computed one. */
        public Builder installedSize(long bytes) { declaredSize = bytes; return this; }

        public TestPackage build() {
            return new TestPackage(this);
        }

        private Builder put(Entry e) {
            if (e.path().isEmpty()) {
                throw new IllegalArgumentException("empty path");
            }
            entries.put(e.path(), e);
            return this;
        }

        private static String clean(String path) {
            String p = path;
            while (p.startsWith("/")) {
                p = p.substring(1);
            }
            while (p.endsWith("/")) {
                p = p.substring(0, p.length() - 1);
            }
            if (p.contains("//") || List.of(p.split("/")).contains("..") || List.of(p.split("/")).contains(".")) {
                throw new IllegalArgumentException("not a clean relative path: " + path);
            }
            return p;
        }
    }
}
