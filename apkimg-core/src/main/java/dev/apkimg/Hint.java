package dev.apkimg;

/**
 * A setting of the front end that a failure or warning points to. The core's messages never
 * name a front end's flags or parameters: they end where the setting would be named, and each
 * front end renders the hint in its own words (the CLI as a flag, the Maven plugin as a parameter).
 */
public enum Hint {
  /** Registries on plain HTTP or with an untrusted certificate must be allowed explicitly. */
  ALLOW_INSECURE_REGISTRY,
  /** An unsigned index (or one signed with an unknown key) must be accepted explicitly. */
  ALLOW_UNTRUSTED,
  /** A key the profile's keyring lacks can be trusted in addition to it. */
  ADD_KEY,
  /** The lockfile no longer matches the profile: lock again, or build without the lockfile. */
  REFRESH_LOCKFILE,
  /** A file the profile copies lies outside the folders it may copy from; a folder can be allowed. */
  FILES_ROOT,
  /** The repository failed; the build can be pointed at another mirror. */
  OTHER_REPOSITORY,
  /** Nothing answered in time when connecting; the connect timeout can be raised. */
  CONNECT_TIMEOUT,
  /** A server sent nothing for too long; the read timeout can be raised. */
  READ_TIMEOUT,
  /** The output holds one platform: choose one architecture, or another format. */
  ONE_ARCH,
  /** Nothing to do: no archive, push or daemon load was asked for. */
  NO_OUTPUT
}
