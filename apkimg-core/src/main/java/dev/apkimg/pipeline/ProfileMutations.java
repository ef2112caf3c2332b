package dev.apkimg.pipeline;

import dev.apkimg.ApkimgException;
import dev.apkimg.profile.ImageProfile;
import dev.apkimg.rootfs.AccountFiles;
import dev.apkimg.rootfs.CaCertificates;
import dev.apkimg.rootfs.RootfsMutation;
import dev.apkimg.rootfs.RootfsTree;
import dev.apkimg.rootfs.SupervisionTree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The profile's {@code accounts}, {@code files} and {@code paths} as {@link RootfsMutation}s, in
 * that order: paths come after accounts and files so that they can change what those made; then,
 * as apko orders them, {@code certificates} and the service bundle's supervision tree.
 */
final class ProfileMutations {
  private final ImageProfile profile;
  private final Path profileFile;
  private String user;

  ProfileMutations(ImageProfile profile, Path profileFile) {
    this.profile = profile;
    this.profileFile = profileFile;
  }

  List<RootfsMutation> mutations() {
    List<RootfsMutation> out = new ArrayList<>();
    out.add(new RootfsMutation() {
      @Override
      public Set<String> reads() {
        return AccountFiles.FILES;
      }

      @Override
      public void apply(RootfsTree tree) {
        accounts(tree);
      }
    });
    out.add(this::files);
    out.add(this::paths);
    // After paths, as apko: certificates go into the bundles the packages and paths left.
    if (profile.certificates() != null
        && (!profile.certificates().additional().isEmpty() || !profile.certificates().providers().isEmpty())) {
      List<CaCertificates.Certificate> certs = new ArrayList<>();
      for (ImageProfile.AdditionalCertificate a : profile.certificates().additional()) {
        try {
          certs.add(CaCertificates.parse(a.name(), a.pem(profileFile.toAbsolutePath().normalize().getParent())));
        } catch (IllegalArgumentException e) {
          throw error("certificates.additional: '" + a.name() + "': " + e.getMessage());
        }
      }
      out.add(new CaCertificates(certs, profile.certificates().providers()));
    }
    if (profile.entrypoint() != null && !profile.entrypoint().services().isEmpty()) {
      SupervisionTree services = new SupervisionTree(profile.entrypoint().services());
      out.add(tree -> {
        try {
          services.apply(tree);
        } catch (ApkimgException e) {
          throw error("entrypoint.services: " + e.getMessage());
        }
      });
    }
    return out;
  }

  /** The image's User ({@code uid:gid}) from {@code accounts.run-as}, once the mutations ran; null for none. */
  String user() {
    return user;
  }

  private ApkimgException error(String message) {
    return new ApkimgException(profileFile + ": " + message);
  }

  // ---------------------------------------------------------------- accounts

  private void accounts(RootfsTree tree) {
    ImageProfile.Accounts acc = profile.accounts();
    AccountFiles a = AccountFiles.read(tree);
    if (!acc.groups().isEmpty() || !acc.users().isEmpty()) {
      a.createMissing(); // as apko does: an image without alpine-baselayout gets the files
    }
    for (ImageProfile.Group g : acc.groups()) {
      Optional<Long> existing = a.gid(g.groupname());
      if (existing.isPresent() && existing.get() != g.gid().longValue()) {
        throw error("accounts.groups: group '" + g.groupname() + "' already exists in the image with gid "
            + existing.get() + ", not " + g.gid());
      }
      if (existing.isEmpty()) {
        Optional<String> taken = a.groupName(g.gid());
        if (taken.isPresent()) {
          throw error("accounts.groups: gid " + g.gid() + " of '" + g.groupname() + "' is already group '"
              + taken.get() + "' in the image");
        }
        a.addGroup(g.groupname(), g.gid(), g.members());
      } else {
        g.members().forEach(m -> a.addMember(g.groupname(), m));
      }
    }
    for (ImageProfile.User u : acc.users()) {
      long gid = u.gid() != null ? u.gid() : u.uid();
      String home = u.homedir() != null ? u.homedir() : "/home/" + u.username();
      Optional<Long> existing = a.uid(u.username());
      if (existing.isPresent() && existing.get() != u.uid().longValue()) {
        throw error("accounts.users: user '" + u.username() + "' already exists in the image with uid "
            + existing.get() + ", not " + u.uid());
      }
      if (existing.isEmpty()) {
        Optional<String> taken = a.userName(u.uid());
        if (taken.isPresent()) {
          throw error("accounts.users: uid " + u.uid() + " of '" + u.username() + "' is already user '"
              + taken.get() + "' in the image");
        }
        a.addUser(u.username(), u.uid(), gid, "", home, u.shell() != null ? u.shell() : "/bin/sh",
            Math.floorDiv(tree.timestamp(), 86400));
      }
      String dir = tree.resolve(home);
      if (tree.entry(dir).isPresent()) {
        RootfsTree.Entry e = tree.entry(dir).get();
        if (e.isDirectory()) {
          tree.chown(dir, u.uid(), gid);
        }
      } else {
        tree.mkdirs(dir, 0755, u.uid(), gid);
      }
    }
    a.writeBack(tree);
    if (acc.runAs() != null) {
      user = runAs(acc.runAs().trim(), AccountFiles.read(tree));
    }
  }

  private String runAs(String runAs, AccountFiles a) {
    if (runAs.matches("\\d+:\\d+")) {
      return runAs;
    }
    Optional<Long> uid = runAs.matches("\\d+") ? Optional.of(Long.parseLong(runAs)) : a.uid(runAs);
    Optional<String> name = uid.flatMap(a::userName);
    if (uid.isEmpty() || name.isEmpty()) {
      throw error("accounts.run-as: " + (runAs.matches("\\d+") ? "uid " : "user ") + runAs
          + " is not in the image's etc/passwd (add it to accounts.users, or write UID:GID)");
    }
    return uid.get() + ":" + a.primaryGid(name.get()).orElseThrow();
  }

  // ---------------------------------------------------------------- files

  private void files(RootfsTree tree) {
    Path dir = profileFile.toAbsolutePath().normalize().getParent();
    for (ImageProfile.FileCopy f : profile.files()) {
      Path src = dir.resolve(f.source()).normalize();
      long uid = f.uid() != null ? f.uid() : 0;
      long gid = f.gid() != null ? f.gid() : 0;
      String target = f.target();
      try {
        if (Files.isDirectory(src)) {
          if (!tree.exists(target)) {
            tree.mkdirs(target, 0755, uid, gid);
          }
          List<Path> all;
          try (Stream<Path> walk = Files.walk(src)) {
            // Sorted by relative name: the layer must not depend on the host's directory order.
            all = walk.filter(p -> !p.equals(src))
                .sorted(Comparator.comparing(p -> src.relativize(p).toString().replace('\\', '/')))
                .toList();
          }
          String base = RootfsPaths.strip(target);
          for (Path p : all) {
            String to = base + "/" + src.relativize(p).toString().replace('\\', '/');
            copyOne(tree, p, to, f, uid, gid);
          }
        } else {
          String to = target.endsWith("/") || tree.entry(target).map(RootfsTree.Entry::isDirectory).orElse(false)
              ? RootfsPaths.strip(target) + "/" + src.getFileName() : target;
          copyOne(tree, src, to, f, uid, gid);
        }
      } catch (IOException e) {
        throw error("files: cannot copy " + src + ": " + e.getMessage());
      }
    }
  }

  private void copyOne(RootfsTree tree, Path p, String to, ImageProfile.FileCopy f, long uid, long gid)
      throws IOException {
    if (Files.isSymbolicLink(p)) {
      tree.symlink(to, Files.readSymbolicLink(p).toString(), uid, gid);
    } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      tree.mkdirs(to, 0755, uid, gid);
    } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
      tree.copyFile(to, p, f.permissions() != null ? f.permissions() : defaultMode(p), uid, gid);
    } else {
      throw error("files: " + p + " is neither a file, a directory nor a symlink");
    }
  }

  /**
   * 0644, or 0755 for a file its owner may execute: the one host mode bit that is kept, because
   * version control records it and umask does not take it away.
   */
  private static int defaultMode(Path p) throws IOException {
    try {
      return Files.getPosixFilePermissions(p).contains(PosixFilePermission.OWNER_EXECUTE) ? 0755 : 0644;
    } catch (UnsupportedOperationException e) {
      return Files.isExecutable(p) ? 0755 : 0644;
    }
  }

  // ---------------------------------------------------------------- paths

  private void paths(RootfsTree tree) {
    for (ImageProfile.PathMutation m : profile.paths()) {
      String path = m.path();
      long uid = m.uid() != null ? m.uid() : 0;
      long gid = m.gid() != null ? m.gid() : 0;
      try {
        switch (m.type()) {
          case "directory" -> {
            int mode = m.permissions() != null ? m.permissions() : 0755;
            tree.mkdirs(path, mode, uid, gid);
            if (Boolean.TRUE.equals(m.recursive())) {
              // apko's meaning: every directory below gets the same mode and owner; files keep theirs.
              for (String p : tree.below(path)) {
                if (tree.entry(p).map(RootfsTree.Entry::isDirectory).orElse(false)) {
                  tree.chmod(p, mode);
                  tree.chown(p, uid, gid);
                }
              }
            }
          }
          case "empty-file" -> tree.writeFile(path, new byte[0], m.permissions() != null ? m.permissions() : 0644, uid, gid);
          case "symlink" -> tree.symlink(path, m.source(), uid, gid);
          case "hardlink" -> {
            if (m.permissions() != null || m.uid() != null || m.gid() != null) {
              String target = tree.resolve(m.source());
              RootfsTree.Entry t = tree.entry(target).orElseThrow(() -> error("paths: /" + target + " does not exist"));
              tree.chmod(target, m.permissions() != null ? m.permissions() : t.mode());
              tree.chown(target, m.uid() != null ? uid : t.uid(), m.gid() != null ? gid : t.gid());
            }
            tree.hardlink(path, m.source());
          }
          case "permissions" -> {
            String target = tree.resolve(path);
            RootfsTree.Entry e = tree.entry(target)
                .orElseThrow(() -> error("paths: permissions of /" + RootfsPaths.strip(path) + ": it does not exist in the image"));
            if (m.permissions() != null) {
              tree.chmod(target, m.permissions());
            }
            tree.chown(target, m.uid() != null ? uid : e.uid(), m.gid() != null ? gid : e.gid());
          }
          default -> throw error("paths: unknown type " + m.type());
        }
      } catch (ApkimgException e) {
        if (e.getMessage().startsWith(profileFile.toString())) {
          throw e;
        }
        throw error("paths: " + m.type() + " " + path + ": " + e.getMessage());
      }
    }
  }

  /** Image paths as the profile writes them, without leading or trailing slashes. */
  private static final class RootfsPaths {
    static String strip(String p) {
      String s = p;
      while (s.startsWith("/")) {
        s = s.substring(1);
      }
      while (s.endsWith("/")) {
        s = s.substring(0, s.length() - 1);
      }
      return s;
    }
  }
}
