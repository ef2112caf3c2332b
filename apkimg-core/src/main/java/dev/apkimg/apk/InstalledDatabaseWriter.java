package dev.apkimg.apk;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Writes {@code lib/apk/db/installed} in apk-tools 2.14's format, so that {@code apk info},
 * {@code apk audit} and a later {@code apk add} in the image see what was installed.
 */
public final class InstalledDatabaseWriter {
  private InstalledDatabaseWriter() {}

  /** A package's record: its metadata and the directories and files it owns, in tar order. */
  public record Entry(PackageInfo info, List<Dir> dirs) {
    public Entry {
      dirs = List.copyOf(dirs);
    }
  }

  /**
   * A directory a package owns ({@code F:}) with its owner and mode ({@code M:}), the checksum of
   * its extended attributes (null: none), and its files.
   */
  public record Dir(String path, int uid, int gid, int mode, String xattrChecksum, List<File> files) {
    public Dir(String path, int uid, int gid, int mode, List<File> files) {
      this(path, uid, gid, mode, null, files);
    }
  }

  /**
   * A file ({@code R:}) with owner and mode ({@code a:}), the checksum of its extended attributes
   * (null: none), and its content checksum ({@code Z:}).
   */
  public record File(String name, int uid, int gid, int mode, String xattrChecksum, String checksum) {
    public File(String name, int uid, int gid, int mode, String checksum) {
      this(name, uid, gid, mode, null, checksum);
    }
  }

  /** Packages are written sorted by name, as apk-tools 2.14 writes them. */
  public static void write(List<Entry> entries, OutputStream out) throws IOException {
    Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
    List<Entry> sorted = entries.stream()
        .sorted(Comparator.comparing((Entry e) -> e.info().name()))
        .collect(Collectors.toList());
    for (Entry e : sorted) {
      writeHeader(e.info(), w);
      for (Dir d : e.dirs()) {
        w.write("F:" + d.path() + "\n");
        if (d.uid() != 0 || d.gid() != 0 || d.mode() != 0755 || d.xattrChecksum() != null) {
          w.write("M:" + acl(d.uid(), d.gid(), d.mode(), d.xattrChecksum()) + "\n");
        }
        for (File f : d.files()) {
          w.write("R:" + f.name() + "\n");
          if (f.uid() != 0 || f.gid() != 0 || f.mode() != 0644 || f.xattrChecksum() != null) {
            w.write("a:" + acl(f.uid(), f.gid(), f.mode(), f.xattrChecksum()) + "\n");
          }
          if (f.checksum() != null) {
            w.write("Z:" + f.checksum() + "\n");
          }
        }
      }
      w.write("\n");
    }
    w.flush();
  }

  /** {@code uid:gid:mode[:xattr checksum]}, mode in octal, as apk writes an ACL. */
  private static String acl(int uid, int gid, int mode, String xattrChecksum) {
    return uid + ":" + gid + ":" + Integer.toOctalString(mode) + (xattrChecksum == null ? "" : ":" + xattrChecksum);
  }

  /** The index-style header: the fields and order of apk-tools' {@code apk_pkg_write_index_header}. */
  static void writeHeader(PackageInfo p, Writer w) throws IOException {
    w.write("C:" + p.checksum() + "\n");
    w.write("P:" + p.name() + "\n");
    w.write("V:" + p.version() + "\n");
    w.write("A:" + nullToEmpty(p.arch()) + "\n");
    w.write("S:" + p.size() + "\n");
    w.write("I:" + p.installedSize() + "\n");
    w.write("T:" + nullToEmpty(p.description()) + "\n");
    w.write("U:" + nullToEmpty(p.url()) + "\n");
    w.write("L:" + nullToEmpty(p.license()) + "\n");
    if (p.origin() != null && !p.origin().isEmpty()) {
      w.write("o:" + p.origin() + "\n");
    }
    if (p.maintainer() != null && !p.maintainer().isEmpty()) {
      w.write("m:" + p.maintainer() + "\n");
    }
    if (p.buildTime() != 0) {
      w.write("t:" + p.buildTime() + "\n");
    }
    if (p.commit() != null && !p.commit().isEmpty()) {
      w.write("c:" + p.commit() + "\n");
    }
    if (p.providerPriority() != 0) {
      w.write("k:" + p.providerPriority() + "\n");
    }
    writeDeps("D:", p.depends(), w);
    writeDeps("p:", p.provides(), w);
    writeDeps("i:", p.installIf(), w);
    writeDeps("r:", p.replaces(), w);
    if (p.replacesPriority() != 0) {
      w.write("q:" + p.replacesPriority() + "\n");
    }
  }

  private static void writeDeps(String key, List<Dependency> deps, Writer w) throws IOException {
    if (!deps.isEmpty()) {
      w.write(key + deps.stream().map(Dependency::toString).collect(Collectors.joining(" ")) + "\n");
    }
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
