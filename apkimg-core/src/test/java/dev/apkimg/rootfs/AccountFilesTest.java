package dev.apkimg.rootfs;

import static dev.apkimg.rootfs.Layers.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apkimg.ApkimgException;
import dev.apkimg.testing.TestPackage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etc/passwd and etc/group get no field that would split into more fields, members or accounts. */
class AccountFilesTest {
  @TempDir Path tmp;

  private static final String PASSWD = "root:x:0:0:root:/root:/bin/sh\n";

  private static TestPackage base(String postInstall) {
    TestPackage.Builder b = TestPackage.builder("base", "1-r0").dir("etc").dir("home").dir("bin")
        .file("etc/passwd", PASSWD).file("etc/group", "root:x:0:root\n")
        .dir("etc/busybox-paths.d").file("etc/busybox-paths.d/busybox", "bin/sh\nsbin/adduser\nsbin/addgroup\n");
    return (postInstall == null ? b : b.postInstall(postInstall)).build();
  }

  private static RootfsMutation accounts(java.util.function.Consumer<AccountFiles> edit) {
    return new RootfsMutation() {
      @Override
      public Set<String> reads() {
        return AccountFiles.FILES;
      }

      @Override
      public void apply(RootfsTree tree) {
        AccountFiles a = AccountFiles.read(tree);
        edit.accept(a);
        a.writeBack(tree);
      }
    };
  }

  @Test
  void fieldsThatWouldAddAccountsOrMembersAreRefused() throws Exception {
    assertThatThrownBy(() -> Layers.write(tmp, List.of(accounts(a -> a.addUser("app", 1000, 1000, "", "/home/app",
        "/bin/sh\nroot2::0:0:root:/root:/bin/sh", 0))), base(null)))
        .isInstanceOf(ApkimgException.class)
        .hasMessage("etc/passwd, etc/group: refusing shell of user 'app': '/bin/sh\\nroot2::0:0:root:/root:/bin/sh'"
            + " contains a control character: etc/passwd cannot hold it");
    assertThatThrownBy(() -> Layers.write(tmp, List.of(accounts(a -> a.addUser("app", 1000, 1000, "", "/x:0:0", "/bin/sh", 0))),
        base(null))).hasMessageContaining("home directory of user 'app': '/x:0:0' contains ':'");
    assertThatThrownBy(() -> Layers.write(tmp, List.of(accounts(a -> a.addUser("app", -1, 1, "", "/h", "/bin/sh", 0))),
        base(null))).hasMessageContaining("uid of user 'app': -1 is not from 0 to 4294967294");
    assertThatThrownBy(() -> Layers.write(tmp, List.of(accounts(a -> a.addGroup("app", 4294967295L, List.of()))),
        base(null))).hasMessageContaining("gid of group 'app': 4294967295 is not from 0 to 4294967294");
    assertThatThrownBy(() -> Layers.write(tmp, List.of(accounts(a -> a.addMember("root", "x,root2"))),
        base(null))).hasMessageContaining("member of group 'root': 'x,root2' is not a valid name");
  }

  @Test
  void anInstallScriptsAdduserWithAColonInItsHomeFailsAsABadNameDoes() throws Exception {
    LayerResult r = Layers.write(tmp, List.of(), base("#!/bin/sh\nadduser -D -h /x:0:0:root:/root evil\n"
        + "addgroup -g 4294967295 big\nadduser -D -u 1000 fine\n"));
    Map<String, Layers.Item> layer = read(r.file());
    assertThat(layer.get("etc/passwd").text()).isEqualTo(PASSWD + "fine:x:1000:1000:Linux User,,,:/home/fine:/bin/sh\n");
    assertThat(layer.get("etc/group").text()).isEqualTo("root:x:0:root\nfine:x:1000:\n");
  }
}
