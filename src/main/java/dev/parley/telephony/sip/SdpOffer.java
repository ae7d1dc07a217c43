package dev.parley.telephony.sip;

/**
 * Parley's audio offer: G.711 u-law and A-law with RFC 4733 telephone events, 20 ms packets. This is
 * the shape SIPp and baresip accept (FIELD-NOTES); carriers take it as any softphone's.
 */
final class SdpOffer {
    private SdpOffer() {}

    public static String audio(String host, int rtpPort, long sessionId) {
        String ipType = host.contains(":") ? "IP6" : "IP4";
        return "v=0\r\n"
                + "o=parley " + sessionId + " " + sessionId + " IN " + ipType + " " + host + "\r\n"
                + "s=parley\r\n"
                + "c=IN " + ipType + " " + host + "\r\n"
                + "t=0 0\r\n"
                + "m=audio " + rtpPort + " RTP/AVP 0 8 101\r\n"
                + "a=rtpmap:0 PCMU/8000\r\n"
                + "a=rtpmap:8 PCMA/8000\r\n"
                + "a=rtpmap:101 telephone-event/8000\r\n"
                + "a=fmtp:101 0-16\r\n"
                + "a=ptime:20\r\n"
                + "a=sendrecv\r\n";
    }
}
