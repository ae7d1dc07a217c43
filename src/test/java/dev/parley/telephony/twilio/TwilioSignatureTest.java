package dev.parley.telephony.twilio;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class TwilioSignatureTest {
    // Twilio's documented example (FIELD-NOTES): token 12345, this URL and these parameters.
    static final String URL = "https://mycompany.com/myapp.php?foo=1&bar=2";
    static final Map<String, String> PARAMS = Map.of("CallSid", "CA1234567890ABCDE", "Caller", "+12349013030", "Digits", "1234",
            "From", "+12349013030", "To", "+18005551212");

    @Test
    void matchesTwiliosPublishedExample() {
        assertThat(TwilioSignature.sign("12345", URL, PARAMS)).isEqualTo("0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
        assertThat(TwilioSignature.valid("12345", URL, PARAMS, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")).isTrue();
    }

    @Test
    void anyChangeOrNoSignatureFails() {
        assertThat(TwilioSignature.valid("12346", URL, PARAMS, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")).as("another token").isFalse();
        assertThat(TwilioSignature.valid("12345", URL + "&x=1", PARAMS, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")).as("another URL").isFalse();
        assertThat(TwilioSignature.valid("12345", URL, Map.of("Digits", "1234"), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")).isFalse();
        assertThat(TwilioSignature.valid("12345", URL, PARAMS, null)).isFalse();
        assertThat(TwilioSignature.valid("12345", URL, PARAMS, "")).isFalse();
    }
}
