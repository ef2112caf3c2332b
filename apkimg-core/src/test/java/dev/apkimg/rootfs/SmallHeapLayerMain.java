package dev.apkimg.rootfs;

import dev.apkimg.apk.ApkIndexReader;
import dev.apkimg.apk.KeyLookup;
import dev.apkimg.apk.PackageInfo;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Map;

/**
 * Writes a layer from one package in a JVM of its own, so a test can give it a small heap
 * ({@link LargeFileLayerTest}). Arguments: APKINDEX text file, the .apk, the layer to write, the
 * PEM public key file that signed the package (test keys are made afresh in each JVM).
 * Exit 0 on success; on failure the error on stderr and exit 1.
 */
public final class SmallHeapLayerMain {
  private SmallHeapLayerMain() {}

  public static void main(String[] args) throws Exception {
    try {
      List<PackageInfo> index;
      try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
        index = ApkIndexReader.parse(in);
      }
      PackageSource source = new PackageSource(index.get(0), Path.of(args[1]));
      RootfsSpec spec = new RootfsSpec("x86_64", List.of(index.get(0).name()), List.of("/srv/repo"), Map.of(),
          Layers.TIMESTAMP);
      Path keyFile = Path.of(args[3]);
      String pem = Files.readString(keyFile).replaceAll("-----[A-Z ]+-----|\\s", "");
      PublicKey key = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(pem)));
      String keyName = keyFile.getFileName().toString();
      KeyLookup keys = name -> name.equals(keyName) ? Optional.of(key) : Optional.empty();
      LayerResult r = new LayerWriter(keys).write(List.of(source), spec, Path.of(args[2]));
      System.out.println(r.uncompressedSize());
    } catch (Throwable t) {
      t.printStackTrace();
      System.exit(1);
    }
  }
}
