package dev.parley.telephony.sip;

import dev.parley.telephony.TransferDestination;

/**
 * The Refer-To URI for a transfer (RFC 3515): a SIP URI as it was written; a number at the host and
 * port the call itself went to (the trunk, or the sandbox softphone), which is where that number can
 * be routed from: a carrier's trunk places the new call, a softphone dials it through its registrar.
 */
final class ReferTarget {
    private ReferTarget() {}

    /** @param port the port the call went to, or -1 when its URI named none */
    static String uri(TransferDestination to, String host, int port) {
        return switch (to) {
            case TransferDestination.SipUri u -> u.text();
            case TransferDestination.Number n -> "sip:" + n.text() + "@"
                    + (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host)
                    + (port > 0 ? ":" + port : "");
        };
    }
}
