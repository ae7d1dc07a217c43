package dev.parley.call;

import dev.parley.store.Ids;
import java.util.regex.Pattern;

/** Call ids: {@code c_} (as in the seed's {@code c_1234567890}) and a 24-hex id. */
final class CallIds {
    private static final Pattern CALL_ID = Pattern.compile("c_[0-9a-f]{24}");

    private CallIds() {}

    static String next() {
        return "c_" + Ids.next();
    }

    static boolean isValid(String id) {
        return CALL_ID.matcher(id).matches();
    }
}
