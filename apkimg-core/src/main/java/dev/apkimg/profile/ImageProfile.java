package dev.apkimg.profile;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An image profile: apko's configuration names ({@code contents}, {@code archs},
 * {@code entrypoint}, {@code cmd}, {@code environment}, {@code work-dir}, {@code accounts},
 * {@code paths}, {@code include}, {@code annotations}, {@code volumes}, {@code stop-signal},
 * {@code vcs-url}, {@code certificates}) so that an apko file builds unchanged, as far as the keys supported so far go;
 * and {@code layering}; plus ours: {@code files}, {@code labels}, {@code ports}. {@link ProfileLoader} merges included
 * profiles, so a loaded profile's {@code include} is always empty.
 */
public record ImageProfile(
    Contents contents,
    List<String> archs,
    Entrypoint entrypoint,
    String cmd,
    Map<String, String> environment,
    @JsonProperty("work-dir") String workDir,
    // Left out of the checksum when unused, so lockfiles of profiles without them stay valid.
    @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = NoAccounts.class) Accounts accounts,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<PathMutation> paths,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<FileCopy> files,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> include,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> annotations,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> labels,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> volumes,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> ports,
    @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("stop-signal") String stopSignal,
    @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("vcs-url") String vcsUrl,
    // Left out of the checksum when absent, so lockfiles of profiles without it stay valid.
    @JsonInclude(JsonInclude.Include.NON_NULL) Layering layering,
    // apko's certificates; left out of the checksum when absent.
    @JsonInclude(JsonInclude.Include.NON_NULL) Certificates certificates) {

  public ImageProfile {
    contents = contents == null ? new Contents(null, null, null) : contents;
    archs = archs == null ? List.of() : List.copyOf(archs);
    environment = environment == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(environment));
    archs = archs.stream().map(ImageProfile::apkArch).distinct().toList();
    annotations = annotations == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(annotations));
    labels = labels == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    volumes = volumes == null ? List.of() : List.copyOf(volumes);
    ports = ports == null ? List.of() : List.copyOf(ports);
    accounts = accounts == null ? new Accounts(null, null, null) : accounts;
    paths = paths == null ? List.of() : List.copyOf(paths);
    files = files == null ? List.of() : List.copyOf(files);
    include = include == null ? List.of() : List.copyOf(include);
  }

  /**
   * The packages apk is asked for: {@code contents.packages}, and {@code s6} for an
   * {@code entrypoint.type: service-bundle}, as apko adds it (not twice when named).
   */
  public List<String> world() {
    if (entrypoint == null || !entrypoint.serviceBundle() || contents.packages().stream()
        .map(dev.apkimg.apk.Dependency::parse).anyMatch(d -> d.name().equals("s6") && !d.conflict())) {
      return contents.packages();
    }
    List<String> world = new java.util.ArrayList<>(contents.packages());
    world.add("s6");
    return List.copyOf(world);
  }

  /** The apk name of an architecture also given by its OCI name ({@code amd64}, {@code arm/v7}). */
  /** apk's name for an architecture given either way; see {@link dev.apkimg.Arch#apkName}. */
  public static String apkArch(String arch) {
    return dev.apkimg.Arch.apkName(arch);
  }

  static final class NoAccounts {
    @Override
    public boolean equals(Object o) {
      return o instanceof Accounts a && a.groups().isEmpty() && a.users().isEmpty() && a.runAs() == null;
    }

    @Override
    public int hashCode() {
      return 0;
    }
  }

  /** A profile with only these contents, as tests and front ends make them. */
  public ImageProfile(Contents contents, List<String> archs, Entrypoint entrypoint, String cmd,
      Map<String, String> environment, String workDir) {
    this(contents, archs, entrypoint, cmd, environment, workDir, null, null, null, null, null, null, null, null,
        null, null, null, null);
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper CANONICAL = new com.fasterxml.jackson.databind.ObjectMapper()
      .enable(com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .enable(com.fasterxml.jackson.databind.MapperFeature.SORT_PROPERTIES_ALPHABETICALLY);

  /**
   * A checksum of what the profile means, not of its bytes: comments, formatting, line endings
   * and key order do not change it. Lockfiles record it to notice an edited profile.
   */
  public String checksum() {
    try {
      byte[] canonical = CANONICAL.writeValueAsBytes(this);
      return "sha256:" + java.util.HexFormat.of().formatHex(
          java.security.MessageDigest.getInstance("SHA-256").digest(canonical));
    } catch (com.fasterxml.jackson.core.JsonProcessingException | java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * apko's {@code layering}: how the root filesystem is split into layers. {@code strategy} is
   * {@code packages} (one layer per package, up to {@code budget}) or {@code single}; apko's
   * {@code origin} is recognised and refused as not supported yet. Null fields: the defaults.
   */
  public record Layering(String strategy, Integer budget) {}

  /**
   * Where packages come from and which to install, with apko's meaning: {@code repositories} are
   * read to build and written to the image's {@code etc/apk/repositories};
   * {@code build_repositories} are only read to build; {@code runtime_repositories} are only
   * written to the image; {@code runtime_keyring} keys ({@code name} + PEM {@code content}) are
   * only written to the image's {@code etc/apk/keys}.
   */
  public record Contents(List<String> repositories, List<String> keyring, List<String> packages,
      // Left out of the checksum when empty, so lockfiles of profiles without them stay valid.
      @JsonInclude(JsonInclude.Include.NON_EMPTY) @JsonProperty("build_repositories") List<String> buildRepositories,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) @JsonProperty("runtime_repositories") List<String> runtimeRepositories,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) @JsonProperty("runtime_keyring") List<RuntimeKey> runtimeKeyring) {
    public Contents {
      repositories = repositories == null ? List.of() : List.copyOf(repositories);
      keyring = keyring == null ? List.of() : List.copyOf(keyring);
      packages = packages == null ? List.of() : List.copyOf(packages);
      buildRepositories = buildRepositories == null ? List.of() : List.copyOf(buildRepositories);
      runtimeRepositories = runtimeRepositories == null ? List.of() : List.copyOf(runtimeRepositories);
      runtimeKeyring = runtimeKeyring == null ? List.of() : List.copyOf(runtimeKeyring);
    }

    public Contents(List<String> repositories, List<String> keyring, List<String> packages) {
      this(repositories, keyring, packages, null, null, null);
    }
  }

  /** apko's {@code runtime_keyring} entry: a public key written to {@code etc/apk/keys/NAME}, inline. */
  public record RuntimeKey(String name, String content) {
    @Override
    public String toString() {
      return name;
    }
  }

  /**
   * The image's entrypoint: {@code command} split into words as a shell would, or {@code shell-fragment} run by {@code /bin/sh -c}, as in apko.
   * apko's {@code type: service-bundle} runs {@code services} (name to command) under s6: the
   * build adds the {@code s6} package ({@link ImageProfile#world()}) and runs
   * {@code /bin/s6-svscan /sv} ({@link #effectiveCommand()}); {@link dev.apkimg.rootfs.SupervisionTree}
   * writes {@code /sv/NAME/run}.
   */
  public record Entrypoint(String command, @JsonProperty("shell-fragment") String shellFragment,
      @JsonInclude(JsonInclude.Include.NON_NULL) String type,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> services) {
    /** apko's only entrypoint type. */
    public static final String SERVICE_BUNDLE = "service-bundle";
    /** The command apko gives a service bundle. */
    public static final String SERVICE_BUNDLE_COMMAND = "/bin/s6-svscan /sv";

    public Entrypoint {
      // Sorted: the supervision tree and the checksum do not depend on the YAML's order.
      services = services == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(services));
    }

    public Entrypoint(String command, String shellFragment) {
      this(command, shellFragment, null, null);
    }

    /** Whether this is apko's {@code type: service-bundle}. */
    public boolean serviceBundle() {
      return SERVICE_BUNDLE.equals(type);
    }

    /** The command the image runs: {@code command}, or s6's scanner for a service bundle. */
    public String effectiveCommand() {
      return serviceBundle() ? SERVICE_BUNDLE_COMMAND : command;
    }
  }

  /**
   * apko's {@code certificates}: {@code additional} PEM certificates added to the image's CA
   * bundles and Java trust store ({@link dev.apkimg.rootfs.CaCertificates}); {@code providers}:
   * names of packages (or what they provide) whose certificate files in
   * {@code usr/local/share/ca-certificates} are added to them too.
   */
  public record Certificates(List<AdditionalCertificate> additional,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> providers) {
    public Certificates {
      additional = additional == null ? List.of() : List.copyOf(additional);
      providers = providers == null ? List.of() : List.copyOf(providers);
    }
  }

  /**
   * One certificate: {@code name} (file and alias name) and {@code content}, exactly one PEM
   * certificate; or, apkimg's own, {@code file}: a PEM file beside the profile (relative to it,
   * kept inside its folder as {@code files[].source} is), read when the image is built.
   */
  public record AdditionalCertificate(String name, String content,
      @JsonInclude(JsonInclude.Include.NON_NULL) String file) {
    /** The most a certificate file may have: 64 KiB, far more than one certificate. */
    public static final int MAX_FILE_BYTES = 64 << 10;

    public AdditionalCertificate(String name, String content) {
      this(name, content, null);
    }

    /**
     * The PEM text: {@code content}, or the file read (bounded, a regular file only) relative to
     * {@code profileDir}; the problem in words otherwise ({@link IllegalArgumentException}).
     */
    public String pem(java.nio.file.Path profileDir) {
      if (file == null) {
        return content;
      }
      java.nio.file.Path f = profileDir.resolve(file).normalize();
      try {
        if (!java.nio.file.Files.isRegularFile(f)) {
          throw new IllegalArgumentException("file " + f + " is not a regular file");
        }
        byte[] bytes;
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(f)) {
          bytes = in.readNBytes(MAX_FILE_BYTES + 1);
        }
        if (bytes.length > MAX_FILE_BYTES) {
          throw new IllegalArgumentException("file " + f + " has more than " + MAX_FILE_BYTES + " bytes: give one certificate");
        }
        return new String(bytes, java.nio.charset.StandardCharsets.US_ASCII);
      } catch (java.io.IOException e) {
        throw new IllegalArgumentException("cannot read file " + f + ": " + e.getMessage());
      }
    }
  }

  /**
   * apko's {@code accounts}: groups and users added to {@code etc/group} and {@code etc/passwd},
   * and {@code run-as}, the user (name or uid) the image runs as.
   */
  public record Accounts(List<Group> groups, List<User> users, @JsonProperty("run-as") String runAs) {
    public Accounts {
      groups = groups == null ? List.of() : List.copyOf(groups);
      users = users == null ? List.of() : List.copyOf(users);
    }
  }

  public record Group(String groupname, Long gid, List<String> members) {
    public Group {
      members = members == null ? List.of() : List.copyOf(members);
    }
  }

  /** A user; {@code gid} defaults to the uid, {@code homedir} to /home/NAME, {@code shell} to /bin/sh. */
  public record User(String username, Long uid, Long gid, String shell, String homedir) {}

  /**
   * apko's {@code paths}: {@code type} is directory, empty-file, hardlink, symlink or
   * permissions; {@code source} is the link target; {@code permissions} is octal.
   */
  public record PathMutation(String type, String path, Long uid, Long gid,
      @com.fasterxml.jackson.databind.annotation.JsonDeserialize(using = OctalMode.class) Integer permissions,
      String source, Boolean recursive) {}

  /**
   * A host file or directory copied into the image: {@code source} relative to the profile,
   * {@code target} in the image; owner root unless {@code uid}/{@code gid} say otherwise.
   */
  public record FileCopy(String source, String target, Long uid, Long gid,
      @com.fasterxml.jackson.databind.annotation.JsonDeserialize(using = OctalMode.class) Integer permissions) {}

  /** Permission bits written as octal ({@code 0755}, {@code 0o4755}, {@code '755'}), whatever YAML made of them. */
  static final class OctalMode extends com.fasterxml.jackson.databind.JsonDeserializer<Integer> {
    @Override
    public Integer deserialize(com.fasterxml.jackson.core.JsonParser p, com.fasterxml.jackson.databind.DeserializationContext ctx)
        throws java.io.IOException {
      String text = p.getText().trim();
      String digits = text.startsWith("0o") || text.startsWith("0O") ? text.substring(2) : text;
      if (!digits.matches("[0-7]{1,5}") || Integer.parseInt(digits, 8) > 07777) {
        throw com.fasterxml.jackson.databind.exc.InvalidFormatException.from(p,
            "permissions must be octal mode bits such as 0755 or 0o4755, not '" + text + "'", text, Integer.class);
      }
      return Integer.parseInt(digits, 8);
    }
  }
}
