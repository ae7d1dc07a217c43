package dev.parley.safeguards;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import dev.parley.error.JsonFields;
import dev.parley.error.Problem;
import dev.parley.number.PhoneNumbers;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Where a workspace may call: {@code allowed_countries} (ISO 3166 codes; empty means every country)
 * and {@code blocked_number_types} (libphonenumber's kinds of number, by default the two that cost
 * the caller's account money per minute). Checked here when set; enforced per call by the
 * create-call statement ({@code CallInserts}), which compares them with the type and country
 * {@link PhoneNumbers} gives the request's {@code to_number}.
 */
public record Destinations(List<String> allowedCountries, List<String> blockedNumberTypes) {
    public static final List<String> DEFAULT_BLOCKED = List.of("premium-rate", "shared-cost");
    /** Every type libphonenumber knows, as the API names them. */
    public static final Set<String> TYPES = Arrays.stream(PhoneNumberUtil.PhoneNumberType.values())
            .map(PhoneNumbers::typeName).collect(Collectors.toCollection(TreeSet::new));
    private static final Set<String> COUNTRIES = PhoneNumberUtil.getInstance().getSupportedRegions();

    /** {@code allowed_countries} from a PATCH body: upper-cased, each a country libphonenumber knows. */
    public static List<String> countries(ObjectNode body, String field) {
        Set<String> out = new LinkedHashSet<>();
        for (JsonNode item : strings(body, field, 300)) {
            String code = item.textValue().strip().toUpperCase(Locale.ROOT);
            if (!COUNTRIES.contains(code)) {
                throw Problem.invalid(field, "'" + field + "' has '" + item.textValue() + "', which is not an ISO 3166"
                        + " country code with a telephone country code; use two letters like US, GB or DE (an empty list allows every country)");
            }
            out.add(code);
        }
        return List.copyOf(out);
    }

    /** {@code blocked_number_types} from a PATCH body: each one of {@link #TYPES}. */
    public static List<String> types(ObjectNode body, String field) {
        Set<String> out = new LinkedHashSet<>();
        for (JsonNode item : strings(body, field, TYPES.size())) {
            String type = item.textValue().strip().toLowerCase(Locale.ROOT);
            if (!TYPES.contains(type)) {
                throw Problem.invalid(field, "'" + field + "' has '" + item.textValue() + "'; the types are "
                        + String.join(", ", TYPES));
            }
            out.add(type);
        }
        return List.copyOf(out);
    }

    private static List<JsonNode> strings(ObjectNode body, String field, int max) {
        List<JsonNode> items = JsonFields.optionalArray(body, field, "", max).orElseThrow(
                () -> Problem.invalid(field, "'" + field + "' must be an array of strings"));
        for (JsonNode item : items) {
            if (!item.isTextual()) {
                throw Problem.invalid(field, "'" + field + "' must be an array of strings, not of " + JsonFields.typeName(item));
            }
        }
        return items;
    }
}
