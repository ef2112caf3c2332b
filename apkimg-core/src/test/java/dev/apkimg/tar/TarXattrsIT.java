package dev.apkimg.tar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apkimg.testing.Prerequisites;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GNU tar, as root, restores our binary extended attributes exactly. */
class TarXattrsIT {
  @TempDir Path tmp;

  @Test
  void gnuTarExtractsBinaryXattrsExactly() throws Exception {
    Prerequisites.requireCommand("tar");
    Prerequisites.requireRoot(); // security.* attributes need CAP_SYS_ADMIN to set
    Prerequisites.requireCommand("getfattr");
    Path archive = tmp.resolve("x.tar");
    Files.write(archive, TarWriterTest.write(TarWriterTest.sample().subList(0, 2), TarWriterTest.sampleContents().subList(0, 2)));
    Path dir = Files.createDirectories(tmp.resolve("x"));
    Process p = new ProcessBuilder("tar", "--xattrs", "--xattrs-include=*", "-xpf", archive.toString(), "-C",
        dir.toString()).redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(log).isZero();
    Process g = new ProcessBuilder("getfattr", "--absolute-names", "-n", "security.capability", "-e", "hex",
        dir.resolve("usr/bin/ping").toString()).redirectErrorStream(true).start();
    String attr = new String(g.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(g.waitFor()).as(attr).isZero();
    assertThat(attr).contains("security.capability=0x" + java.util.HexFormat.of().formatHex(TarWriterTest.CAPABILITY));
  }

}
