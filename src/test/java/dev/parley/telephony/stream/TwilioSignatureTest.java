package dev.parley.telephony.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class TwilioSignatureTest {
    private static final Map<String, String> PARAMS = Map.of("CallSid", "CA1234567890ABCDE", "Caller", "+12349013030",
            "Digits", "1234", "From", "+12349013030", "To", "+18005551212");

    @Test
    void twiliosPublishedExampleSignsAsDocumented() {
        assertThat(TwilioSignature.sign("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", PARAMS))
                .isEqualTo("0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
        assertThat(TwilioSignature.valid("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", PARAMS,
                "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")).isTrue();
    }

    @Test
    void anotherTokenUrlOrNoHeaderIsNotValid() {
        String url = "wss://parley.example/v1/carriers/twilio/stream/c_000000000000000000000001";
        String good = TwilioSignature.sign("token", url, Map.of());
        assertThat(TwilioSignature.valid("token", url, Map.of(), good)).isTrue();
        assertThat(TwilioSignature.valid("other", url, Map.of(), good)).isFalse();
        assertThat(TwilioSignature.valid("token", url + "2", Map.of(), good)).isFalse();
        assertThat(TwilioSignature.valid("token", url, Map.of(), null)).isFalse();
        assertThat(TwilioSignature.valid("token", url, Map.of(), "")).isFalse();
    }
}
