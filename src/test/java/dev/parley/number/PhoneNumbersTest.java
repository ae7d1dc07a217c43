package dev.parley.number;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.error.Problem;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class PhoneNumbersTest {

    @Test
    void e164NumbersParseWithTheirCountry() {
        assertThat(PhoneNumbers.parse("to_number", "+919723067241")).isEqualTo(new PhoneNumbers.E164Number("+919723067241", "IN"));
        assertThat(PhoneNumbers.parse("to_number", "+442071838750").regionCode()).isEqualTo("GB");
        assertThat(PhoneNumbers.parse("to_number", " +14155550123 ").number()).isEqualTo("+14155550123");
        assertThat(PhoneNumbers.parse("to_number", "+390612345678").regionCode()).as("Italian leading zero").isEqualTo("IT");
        assertThat(PhoneNumbers.parse("to_number", "+16135550123").regionCode()).as("+1 shared by countries").isEqualTo("CA");
        assertThat(PhoneNumbers.parse("to_number", "+97142345678").regionCode()).as("three-digit code").isEqualTo("AE");
    }

    @Test
    void fictionalButWellFormedNumbersAreAcceptedForSandboxes() {
        assertThat(PhoneNumbers.parse("to_number", "+15555550100").number()).isEqualTo("+15555550100");
    }

    @Test
    void formattedNumbersAreRefusedWithTheE164FormSuggested() {
        assertThatThrownBy(() -> PhoneNumbers.parse("to_number", "+44 20 7183 8750"))
                .isInstanceOf(Problem.class).hasMessageContaining("did you mean +442071838750?");
        assertThatThrownBy(() -> PhoneNumbers.parse("to_number", "4155550123"))
                .isInstanceOf(Problem.class).hasMessageContaining("E.164");
    }

    @Test
    void unassignedCountryCodesAreRefused() {
        assertThatThrownBy(() -> PhoneNumbers.parse("to_number", "+2801234567"))
                .isInstanceOf(Problem.class).hasMessageContaining("known country code");
    }

    @Test
    void wrongLengthForTheCountryIsRefused() {
        assertThatThrownBy(() -> PhoneNumbers.parse("to_number", "+1415555012"))
                .isInstanceOf(Problem.class).hasMessageContaining("+1");
    }
}
