package dev.parley.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.config.ConfigLoader;
import dev.parley.tenancy.SecretBoxAccess;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class SigningAndRetryTest {

    @Test
    void signatureIsHmacSha256OfTimestampDotBody() {
        // Independent vector: HMAC-SHA256(key "whsec_test", "1700000000.{}") computed with openssl.
        String header = WebhookSignature.header(1_700_000_000L, "{}".getBytes(StandardCharsets.UTF_8), List.of("whsec_test"));
        assertThat(header).isEqualTo("t=1700000000,v1=" + SigningVectors.OPENSSL_HMAC);
    }

    @Test
    void retriesBackOffExponentiallyWithJitterForADay() {
        RetryPolicy p = new RetryPolicy(Duration.ofSeconds(5));
        Instant created = Instant.parse("2026-01-01T00:00:00Z");
        Instant now = created.plusSeconds(1);
        for (int attempt = 1; attempt <= 5; attempt++) {
            long expected = 5_000L << (attempt - 1);
            Duration d = Duration.between(now, p.next(attempt, created, now, Optional.empty()).orElseThrow());
            assertThat(d.toMillis()).as("attempt " + attempt).isBetween((long) (expected * 0.8), (long) (expected * 1.2));
        }
        Duration late = Duration.between(now, p.next(30, created, now, Optional.empty()).orElseThrow());
        assertThat(late).isLessThanOrEqualTo(Duration.ofMinutes(72));
        assertThat(p.next(3, created, created.plus(Duration.ofHours(24)), Optional.empty())).as("after the window").isEmpty();
        Duration honoured = Duration.between(now, p.next(1, created, now, RetryPolicy.retryAfter("120")).orElseThrow());
        assertThat(honoured).isGreaterThanOrEqualTo(Duration.ofSeconds(120));
    }

    @Test
    void onlyTimeoutsServerErrorsAnd429AreRetried() {
        assertThat(RetryPolicy.retryable(null)).isTrue();
        assertThat(RetryPolicy.retryable(500)).isTrue();
        assertThat(RetryPolicy.retryable(503)).isTrue();
        assertThat(RetryPolicy.retryable(429)).isTrue();
        assertThat(RetryPolicy.retryable(400)).isFalse();
        assertThat(RetryPolicy.retryable(404)).isFalse();
        assertThat(RetryPolicy.retryable(301)).isFalse();
        assertThat(RetryPolicy.retryAfter("soon")).isEmpty();
    }

    @Test
    void secretsAreSealedAndOnlyTheRightKeyOpensThem() {
        var box = SecretBoxAccess.withKey(new byte[32]);
        byte[] sealed = box.seal("whsec_abc");
        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("whsec_abc");
        assertThat(box.open(sealed)).isEqualTo("whsec_abc");
        assertThat(box.seal("whsec_abc")).as("random nonce").isNotEqualTo(sealed);
        byte[] other = new byte[32];
        other[0] = 1;
        assertThatThrownBy(() -> SecretBoxAccess.withKey(other).open(sealed)).hasMessageContaining("another master key");
        sealed[sealed.length - 1] ^= 1;
        assertThatThrownBy(() -> box.open(sealed)).hasMessageContaining("integrity");
        assertThatThrownBy(() -> ConfigLoader.of(Map.of(ConfigLoader.SECRETS_MASTER_KEY, "c2hvcnQ="))).hasMessageContaining("32");
    }
}
