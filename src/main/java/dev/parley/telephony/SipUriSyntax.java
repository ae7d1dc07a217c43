package dev.parley.telephony;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The SIP URIs a call may be transferred to: RFC 3261's grammar (25.1), narrowed. No password, and
 * no {@code ?headers}: in a Refer-To they make the far end copy headers of our choosing (a Replaces,
 * say) into the INVITE it sends. No spaces, quotes or angle brackets, so the URI cannot break out of
 * the header it is written into.
 */
final class SipUriSyntax {
    static final int MAX_LENGTH = 256;
    private static final String ESCAPED = "%[0-9A-Fa-f]{2}";
    private static final String USER = "(?:[A-Za-z0-9\\-_.!~*'()&=+$,;?/]|" + ESCAPED + ")+";
    private static final String LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
    private static final String TOP_LABEL = "[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
    private static final String HOSTNAME = "(?:" + LABEL + "\\.)*" + TOP_LABEL + "\\.?";
    private static final String OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
    private static final String IPV4 = OCTET + "(?:\\." + OCTET + "){3}";
    private static final String IPV6 = "\\[[0-9A-Fa-f:.]{2,45}\\]";
    private static final String PARAM_CHAR = "(?:[A-Za-z0-9\\-_.!~*'()\\[\\]/:&+$]|" + ESCAPED + ")";
    private static final String PARAM = ";" + PARAM_CHAR + "+(?:=" + PARAM_CHAR + "+)?";
    private static final Pattern SIP_URI = Pattern.compile("(?i:sips?):(?:" + USER + "@)?(?:" + HOSTNAME + "|"
            + IPV4 + "|" + IPV6 + ")(?::([0-9]{1,5}))?(?:" + PARAM + ")*");

    private SipUriSyntax() {}

    static boolean valid(String uri) {
        if (uri.length() > MAX_LENGTH) {
            return false;
        }
        Matcher m = SIP_URI.matcher(uri);
        return m.matches() && (m.group(1) == null || Integer.parseInt(m.group(1)) <= 65535);
    }
}
