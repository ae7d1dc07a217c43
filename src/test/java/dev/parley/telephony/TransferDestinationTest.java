package dev.parley.telephony;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.error.Problem;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class TransferDestinationTest {

    @Test
    void numbersAreE164AndPossibleForTheirCountry() {
        assertThat(TransferDestination.parse("to", " +14155550100 ")).isEqualTo(new TransferDestination.Number("+14155550100"));
        assertThat(TransferDestination.parse("to", "+442071838750")).isEqualTo(new TransferDestination.Number("+442071838750"));
        assertRefused("+1 (415) 555-0100", "'to' must be a phone number in E.164 format", "did you mean +14155550100?");
        assertRefused("+1415555", "wrong number of digits for country code +1");
        assertRefused("+0123456789", "E.164");
        assertRefused("14155550100", "or a SIP URI, like sip:desk@example.com");
        assertRefused("", "E.164");
    }

    @Test
    void sipAndSipsUrisAreUsedAsWritten() {
        for (String uri : new String[] {"sip:desk@example.com", "sips:desk@example.com", "SIP:Desk@Example.COM",
                "sip:+14155550100@trunk.example.com:5061;user=phone", "sip:desk@127.0.0.1", "sip:desk@[2001:db8::1]:5060",
                "sip:example.com", "sip:desk@example.com;transport=tcp;lr", "sip:al%20ice@example.com",
                "sip:+14155550100;phone-context=example.com@example.com"}) {
            assertThat(TransferDestination.parse("to", uri)).as(uri).isEqualTo(new TransferDestination.SipUri(uri));
        }
    }

    /** What could smuggle headers into the far end's new INVITE, or break out of the Refer-To, is refused. */
    @Test
    void sipUrisThatAreNotPlainAddressesAreRefused() {
        for (String uri : new String[] {
                "sip:desk@example.com?Replaces=abc%3Bto-tag%3D1",   // headers
                "sip:desk:secret@example.com",                      // a password
                "sip:desk@example.com>;purpose=x",                  // breaks out of <...>
                "sip:desk@exa mple.com", "sip:desk@example.com\r\nX-Evil: 1", "sip:\"desk\"@example.com",
                "sip:desk@", "sip:", "sip:desk@example.com:99999", "sip:desk@999.1.1.1", "sip:desk@-example.com",
                "sip:desk@example.com;=x", "sip:desk%zz@example.com",
                "sip:" + "a".repeat(250) + "@example.com"}) {
            assertThatThrownBy(() -> TransferDestination.parse("to", uri)).as(uri).isInstanceOfSatisfying(Problem.class, p -> {
                assertThat(p.details()).containsEntry("field", "to");
                assertThat(p.getMessage()).contains("'to' is not a SIP URI Parley can transfer to", "no ?headers");
            });
        }
        assertRefused("tel:+14155550100", "or a SIP URI");
        assertRefused("http://example.com", "or a SIP URI");
    }

    private static void assertRefused(String raw, String... message) {
        assertThatThrownBy(() -> TransferDestination.parse("to", raw)).as(raw).isInstanceOfSatisfying(Problem.class, p -> {
            assertThat(p.kind().status).isEqualTo(400);
            assertThat(p.details()).containsEntry("field", "to");
            assertThat(p.getMessage()).contains(message);
        });
    }
}
