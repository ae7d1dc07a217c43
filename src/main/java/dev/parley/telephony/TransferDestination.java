package dev.parley.telephony;

import dev.parley.error.Problem;
import dev.parley.number.PhoneNumbers;

/**
 * Where a call may be handed: an E.164 number (checked with libphonenumber, like every number Parley
 * dials) or a {@code sip:}/{@code sips:} URI, used as is. Checked when a flow is saved, and again when
 * a transfer is asked for, since a language model's tool call is checked nowhere else.
 */
public sealed interface TransferDestination {
    /** As written: the number, or the URI. */
    String text();

    record Number(String text) implements TransferDestination {}

    record SipUri(String text) implements TransferDestination {}

    /** @param field the field's name for the 400, e.g. {@code config.flow.steps[2].transfer} */
    static TransferDestination parse(String field, String raw) {
        String value = raw.strip();
        if (value.regionMatches(true, 0, "sip:", 0, 4) || value.regionMatches(true, 0, "sips:", 0, 5)) {
            if (!SipUriSyntax.valid(value)) {
                throw Problem.invalid(field, "'" + field + "' is not a SIP URI Parley can transfer to: write"
                        + " sip:user@host, optionally with :port and ;parameters (no password, no ?headers, at most "
                        + SipUriSyntax.MAX_LENGTH + " characters)");
            }
            return new SipUri(value);
        }
        if (!value.startsWith("+")) {
            throw Problem.invalid(field, "'" + field + "' must be a phone number in E.164 format, like +14155550100,"
                    + " or a SIP URI, like sip:desk@example.com");
        }
        return new Number(PhoneNumbers.parse(field, value).number());
    }
}
