package dev.parley.telephony.sip;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.telephony.TransferDestination;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class ReferTargetTest {

    @Test
    void aNumberGoesToTheHostAndPortTheCallWentTo() {
        var number = new TransferDestination.Number("+14155550100");
        assertThat(ReferTarget.uri(number, "127.0.0.1", 5080)).isEqualTo("sip:+14155550100@127.0.0.1:5080");
        assertThat(ReferTarget.uri(number, "trunk.example.com", -1)).as("a trunk named by domain, no port")
                .isEqualTo("sip:+14155550100@trunk.example.com");
        assertThat(ReferTarget.uri(number, "2001:db8::1", 5060)).isEqualTo("sip:+14155550100@[2001:db8::1]:5060");
        assertThat(ReferTarget.uri(number, "[2001:db8::1]", 5060)).isEqualTo("sip:+14155550100@[2001:db8::1]:5060");
    }

    @Test
    void aSipUriIsUsedAsWritten() {
        var uri = new TransferDestination.SipUri("sips:desk@example.com;transport=tls");
        assertThat(ReferTarget.uri(uri, "127.0.0.1", 5080)).isEqualTo("sips:desk@example.com;transport=tls");
    }
}
