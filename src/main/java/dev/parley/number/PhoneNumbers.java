package dev.parley.number;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberToTimeZonesMapper;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import dev.parley.error.Problem;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.regex.Pattern;

/**
 * E.164 checks with libphonenumber. A number must be written exactly as E.164 ({@code +} and digits);
 * one that is only formatted differently gets a message showing the E.164 form to send instead.
 * The test is "possible" (right length for its country) rather than "valid" (assigned range), so
 * fictional numbers such as +1 555 ... can be dialed on a sandbox or a test trunk.
 */
public final class PhoneNumbers {
    private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();
    private static final PhoneNumberToTimeZonesMapper ZONES = PhoneNumberToTimeZonesMapper.getInstance();
    private static final java.util.Set<String> KNOWN_ZONES = java.util.Set.copyOf(ZoneId.getAvailableZoneIds());
    /** The mapper's answers are a few hundred distinct lists of names: each read into zones once. */
    private static final java.util.Map<List<String>, List<ZoneId>> ZONE_IDS = new java.util.concurrent.ConcurrentHashMap<>();
    private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{6,14}");

    private PhoneNumbers() {}

    /** A checked number and the ISO country it belongs to (its time zones: {@link #zones}). */
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

    /**
     * Where the callee's clock may be: libphonenumber's time zones for the number (by area code for
     * geographic numbers, the country's zones for mobiles and other non-geographic ones). A number in
     * no assigned range (+1 555 ...) gets the zones of its longest known prefix, which is at worst
     * its country code's. A number with no place at all (international services such as +800 or
     * +881) gets UTC: the window cannot hold in every zone of the world at once, and a call must not
     * wait forever.
     */
    public static List<ZoneId> zones(String e164) {
        PhoneNumber number = split(e164);
        if (number == null) {
            return List.of(ZoneOffset.UTC);
        }
        List<String> names = ZONES.getTimeZonesForNumber(number);
        if (names.contains(PhoneNumberToTimeZonesMapper.getUnknownTimeZone())) {
            names = ZONES.getTimeZonesForGeographicalNumber(number);
        }
        return ZONE_IDS.computeIfAbsent(names, n -> {
            List<ZoneId> zones = n.stream().filter(KNOWN_ZONES::contains).map(ZoneId::of).toList();
            return zones.isEmpty() ? List.of(ZoneOffset.UTC) : zones;
        });
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
