package dev.parley.telephony.twilio;

import java.net.URI;

/** The TwiML of an outbound call: connect the answered call to this node's media stream, with the call's token. */
final class Twiml {
    private Twiml() {}

    static String connectStream(URI url, String token) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Connect><Stream url=\"" + attribute(url.toString())
                + "\"><Parameter name=\"token\" value=\"" + attribute(token) + "\"/></Stream></Connect></Response>";
    }

    private static String attribute(String s) {
        return s.replace("&", "&amp;").replace("\"", "&quot;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;");
    }
}
