package dev.apkimg.profile;

import static dev.apkimg.profile.ItemOrigin.check;
import static dev.apkimg.profile.ItemOrigin.unique;

import dev.apkimg.rootfs.AccountFiles;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks {@code accounts}: every field that becomes part of etc/passwd or etc/group, unique names
 * and ids, and {@code run-as}. Apart from the other checks because a bad account field is a way
 * into the image's security (a second uid 0), so these rules are kept in one place.
 */
final class AccountsValidator {
  private AccountsValidator() {}

  /**
   * Every field that becomes part of etc/passwd or etc/group: names in busybox's grammar, ids
   * in 0..2^32-2, home and shell absolute paths without ':', ',' or control characters (a
   * newline in a shell would add a whole account line, a second uid 0).
   */
  static void validate(Path file, ImageProfile.Accounts a, Map<String, List<ItemOrigin>> origins) {
    Map<String, ItemOrigin> names = new HashMap<>();
    Map<Long, ItemOrigin> ids = new HashMap<>();
    for (int i = 0; i < a.groups().size(); i++) {
      ImageProfile.Group g = a.groups().get(i);
      ItemOrigin o = origins.get("accounts.groups").get(i);
      String item = "accounts.groups[" + o.index() + "]";
      if (g.groupname() == null) {
        throw new ProfileException(o.where(null) + item + ": groupname is missing");
      }
      check(o, "groupname", item + ".groupname", AccountFiles.nameProblem(g.groupname()));
      if (g.gid() == null) {
        throw new ProfileException(o.where(null) + "accounts.groups: group '" + g.groupname() + "' needs a gid");
      }
      check(o, "gid", item + ".gid", AccountFiles.idProblem(g.gid()));
      for (int m = 0; m < g.members().size(); m++) {
        check(o, "members", item + ".members[" + m + "]", AccountFiles.nameProblem(g.members().get(m)));
      }
      unique(names, g.groupname(), o, "groupname", "group name '" + g.groupname() + "'");
      unique(ids, g.gid(), o, "gid", "gid " + g.gid());
    }
    names.clear();
    ids.clear();
    for (int i = 0; i < a.users().size(); i++) {
      ImageProfile.User u = a.users().get(i);
      ItemOrigin o = origins.get("accounts.users").get(i);
      String item = "accounts.users[" + o.index() + "]";
      if (u.username() == null) {
        String at = o.where(null);
        // Without a position (an empty map) where() already names the item.
        throw new ProfileException(at + (at.endsWith(item + ": ") ? "" : item + ": ") + "username is missing");
      }
      check(o, "username", item + ".username", AccountFiles.nameProblem(u.username()));
      if (u.uid() == null) {
        throw new ProfileException(o.where(null) + "accounts.users: user '" + u.username() + "' needs a uid");
      }
      check(o, "uid", item + ".uid", AccountFiles.idProblem(u.uid()));
      if (u.gid() != null) {
        check(o, "gid", item + ".gid", AccountFiles.idProblem(u.gid()));
      }
      if (u.shell() != null) {
        check(o, "shell", item + ".shell", AccountFiles.pathProblem(u.shell()));
      }
      if (u.homedir() != null) {
        check(o, "homedir", item + ".homedir", AccountFiles.pathProblem(u.homedir()));
      }
      unique(names, u.username(), o, "username", "user name '" + u.username() + "'");
      unique(ids, u.uid(), o, "uid", "uid " + u.uid());
    }
    String runAs = a.runAs() == null ? null : a.runAs().trim();
    if (runAs != null && !runAs.isEmpty()) {
      String problem = null;
      if (runAs.matches("[0-9]+(:[0-9]+)?")) {
        for (String id : runAs.split(":")) {
          problem = problem != null ? problem : id.length() > 10 ? id + " is not from 0 to " + AccountFiles.MAX_ID
              : AccountFiles.idProblem(Long.parseLong(id));
        }
      } else {
        problem = AccountFiles.nameProblem(runAs);
      }
      if (problem != null) {
        throw new ProfileException(file + ": accounts.run-as must be a user name, UID or UID:GID: " + problem);
      }
    }
  }
}
