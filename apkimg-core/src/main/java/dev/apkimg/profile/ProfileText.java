package dev.apkimg.profile;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Reads a profile file's text, bounded: it is outside input, and may name a FIFO, a device or a
 * huge file. Apart from parsing so that every refusal of the file itself is in one place.
 */
final class ProfileText {
  private ProfileText() {}

  /**
   * A profile's text: a regular file (a FIFO would block, a device never end) of at most
   * {@link ProfileLoader#MAX_PROFILE_BYTES}, in UTF-8. {@code at} is where an include names it ("" for the
   * profile given to the build).
   */
  static String read(Path file, String at) {
    String what = (at.isEmpty() ? "profile " : at + "included profile ") + file;
    BasicFileAttributes attrs;
    try {
      attrs = Files.readAttributes(file, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      throw new ProfileException(what + " does not exist");
    } catch (IOException e) {
      throw new ProfileException("cannot read " + what + ": " + e.getMessage(), e);
    }
    if (!attrs.isRegularFile()) {
      throw new ProfileException(what + " is not a regular file but " + (attrs.isDirectory() ? "a directory"
          : "a device, FIFO or socket") + ": give a YAML file");
    }
    if (attrs.size() > ProfileLoader.MAX_PROFILE_BYTES) {
      throw new ProfileException(what + " is " + attrs.size() + " bytes: a profile may have at most "
          + ProfileLoader.MAX_PROFILE_BYTES + " bytes (1 MiB)");
    }
    byte[] bytes;
    // NOFOLLOW_LINKS is not an option here: a profile may be a symlink (to a regular file).
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(ProfileLoader.MAX_PROFILE_BYTES + 1);
    } catch (IOException e) {
      throw new ProfileException("cannot read " + what + ": " + e.getMessage(), e);
    }
    if (bytes.length > ProfileLoader.MAX_PROFILE_BYTES) { // it grew since we looked
      throw new ProfileException(what + " is bigger than " + ProfileLoader.MAX_PROFILE_BYTES
          + " bytes, the most a profile may have (1 MiB)");
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new ProfileException(what + " is not UTF-8 text");
    }
  }
}
