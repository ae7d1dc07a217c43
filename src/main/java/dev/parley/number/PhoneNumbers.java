package dev.parley.number;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import dev.parley.error.Problem;
import java.util.regex.Pattern;

/**
 * E.164 checks with libphonenumber. A number must be written exactly as E.164 ({@code +} and digits);
 * one that is only formatted differently gets a message showing the E.164 form to send instead.
 * The test is "possible" (right length for its country) rather than "valid" (assigned range), so
 * fictional numbers such as +1 555 ... can be dialed on a sandbox or a test trunk.
 */
public final class PhoneNumbers {
    private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();
    private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{6,14}");

    private PhoneNumbers() {}

    /** A checked number and the ISO country it belongs to (for calling hours and time zones later). */
    public record E164Number(String number, String regionCode) {}

    public static E164Number parse(String field, String raw) {
        String value = raw.strip();
        if (!E164.matcher(value).matches()) {
            String suggestion = suggestion(value);
            throw Problem.invalid(field, "'" + field + "' must be a phone number in E.164 format, like +14155550123"
                    + (suggestion == null ? " (a +, the country code, then the number, digits only)" : "; did you mean " + suggestion + "?"));
        }
        PhoneNumber number = split(value);
        if (number == null) {
            throw Problem.invalid(field, "'" + field + "' does not start with a known country code");
        }
        if (!UTIL.isPossibleNumber(number)) {
            throw Problem.invalid(field, "'" + field + "' has the wrong number of digits for country code +"
                    + number.getCountryCode());
        }
        String region = UTIL.getRegionCodeForNumber(number);
        return new E164Number(value, region == null || region.equals("ZZ") ? null : region);
    }

    /**
     * An E.164 string as libphonenumber's number: country codes are prefix-free, so the first 1 to 3
     * digits that name a country are the code. This is what {@code PhoneNumberUtil.parse} does for
     * E.164 input, without its general-purpose normalization, which costs most of a create-call.
     */
    private static PhoneNumber split(String e164) {
        for (int len = 1; len <= 3 && len < e164.length() - 1; len++) {
            int cc = Integer.parseInt(e164, 1, 1 + len, 10);
            if (!"ZZ".equals(UTIL.getRegionCodeForCountryCode(cc))) {
                String national = e164.substring(1 + len);
                PhoneNumber n = new PhoneNumber().setCountryCode(cc).setNationalNumber(Long.parseLong(national));
                int zeros = 0;
                while (zeros < national.length() - 1 && national.charAt(zeros) == '0') {
                    zeros++;
                }
                if (zeros > 0) {
                    n.setItalianLeadingZero(true).setNumberOfLeadingZeros(zeros);
                }
                return n;
            }
        }
        return null;
    }

    /**
     * The kind of number an E.164 string is, by libphonenumber's assigned ranges, as the API names it
     * ({@code premium-rate}, {@code shared-cost}, {@code mobile}, ...); {@code unknown} for numbers in
     * no assigned range (fictional +1 555 numbers, most test numbers).
     */
    public static String type(String e164) {
        PhoneNumber number = split(e164);
        return number == null ? "unknown" : typeName(UTIL.getNumberType(number));
    }

    /** libphonenumber's type as the API names it: lower case, words joined by hyphens. */
    public static String typeName(PhoneNumberUtil.PhoneNumberType type) {
        return type.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    private static String suggestion(String value) {
        if (value.length() > 40 || !value.startsWith("+")) {
            return null;
        }
        try {
            PhoneNumber n = UTIL.parse(value, null);
            return UTIL.isPossibleNumber(n) ? UTIL.format(n, PhoneNumberUtil.PhoneNumberFormat.E164) : null;
        } catch (NumberParseException e) {
            return null;
        }
    }
}
