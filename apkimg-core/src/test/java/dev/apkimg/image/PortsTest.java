package dev.apkimg.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The one port grammar: profiles, the image config and the Maven plugin all read ports with it. */
class PortsTest {
  @Test
  void portsRangesAndProtocols() {
    assertThat(Ports.expand("8080")).containsExactly("8080/tcp");
    assertThat(Ports.expand(" 53/UDP ")).containsExactly("53/udp");
    assertThat(Ports.expand("7000-7002/tcp")).containsExactly("7000/tcp", "7001/tcp", "7002/tcp");
    assertThat(Ports.expandAll(List.of("80", "80/tcp", "60000-60001/udp")))
        .containsExactly("80/tcp", "60000/udp", "60001/udp");
  }

  @Test
  void whatIsNotAPortIsRefusedNamingIt() {
    assertThatThrownBy(() -> Ports.expand("http")).hasMessage("'http' is not PORT, PORT/tcp, PORT/udp or FROM-TO[/tcp|/udp]");
    assertThatThrownBy(() -> Ports.expand("80/sctp")).hasMessageContaining("'80/sctp' is not PORT");
    assertThatThrownBy(() -> Ports.expand("0")).hasMessage("'0' is out of range 1-65535");
    assertThatThrownBy(() -> Ports.expand("65536")).hasMessage("'65536' is out of range 1-65535");
    assertThatThrownBy(() -> Ports.expand("9-8")).hasMessage("'9-8' is out of range 1-65535");
    assertThatThrownBy(() -> Ports.expand("1-65535")).hasMessage("'1-65535' names more than 1024 ports");
  }

  @Test
  void theImageConfigTakesRangesAsAProfileWritesThem() {
    ImageConfig config = new ImageConfig("linux", "amd64", null, List.of(), List.of(), java.util.Map.of(), null,
        java.time.Instant.EPOCH).withMetadata(java.util.Map.of(), List.of(), List.of("8000-8001", "53/udp"), null, null);
    assertThat(config.exposedPorts()).containsExactly("8000/tcp", "8001/tcp", "53/udp");
  }
}
