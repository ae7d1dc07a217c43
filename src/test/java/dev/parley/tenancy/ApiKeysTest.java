package dev.parley.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class ApiKeysTest {

    @Test
    void generatedKeysParseBackToTheirStoredHash() {
        ApiKeys.Issued issued = ApiKeys.generate();
        assertThat(issued.token()).matches("prl_[0-9a-f]{16}_[A-Za-z0-9_-]{43}");
        ApiKeys.Presented presented = ApiKeys.parse(issued.token()).orElseThrow();
        assertThat(presented.keyId()).isEqualTo(issued.keyId());
        assertThat(ApiKeys.matches(presented.secretSha256(), issued.secretSha256())).isTrue();
        assertThat(issued.secretSha256()).hasSize(32);
    }

    @Test
    void theSecretCarriesAtLeast32RandomBytes() {
        String secret = ApiKeys.generate().token().substring(21);
        assertThat(java.util.Base64.getUrlDecoder().decode(secret)).hasSize(32);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            assertThat(seen.add(ApiKeys.generate().token())).isTrue();
        }
    }

    @Test
    void alteredOrMalformedTokensDoNotMatch() {
        ApiKeys.Issued issued = ApiKeys.generate();
        char last = issued.token().charAt(issued.token().length() - 1);
        String altered = issued.token().substring(0, issued.token().length() - 1) + (last == 'A' ? 'B' : 'A');
        assertThat(ApiKeys.matches(ApiKeys.parse(altered).orElseThrow().secretSha256(), issued.secretSha256())).isFalse();
        assertThat(ApiKeys.parse(issued.token() + "x")).isEmpty();
        assertThat(ApiKeys.parse("Bearer " + issued.token())).isEmpty();
        assertThat(ApiKeys.parse(null)).isEmpty();
    }
}
