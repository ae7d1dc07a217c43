package dev.parley.telephony.sip;

import dev.parley.telephony.CallEnd;
import dev.parley.telephony.CallListener;
import dev.parley.telephony.TelephonyProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Calls through a SIP trunk: {@code sip:<E.164>@<trunk>}. Each call gets its own RTP socket, opened
 * before the INVITE because peers may send media before their 200 (FIELD-NOTES); the media path
 * reads from it once it lands, and the socket is closed when the call ends.
 */
public final class SipTelephonyProvider implements TelephonyProvider {
    private final SipUserAgent ua;
    private final String host;
    private final String trunk;
    private final AtomicLong sessions = new AtomicLong(System.currentTimeMillis() / 1000);

    public SipTelephonyProvider(SipUserAgent ua, String host, String trunk) {
        this.ua = ua;
        this.host = host;
        this.trunk = trunk;
    }

    @Override
    public Active dial(Dial dial, CallListener listener) {
        DatagramSocket rtp;
        try {
            rtp = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(host), 0));
        } catch (IOException e) {
            throw new UncheckedIOException("no RTP port free on " + host, e);
        }
        CallListener closing = new CallListener() {
            @Override
            public void ringing(int code) {
                listener.ringing(code);
            }

            @Override
            public void answered() {
                listener.answered();
            }

            @Override
            public void ended(CallEnd end) {
                rtp.close();
                listener.ended(end);
            }
        };
        String offer = SdpOffer.audio(host, rtp.getLocalPort(), sessions.incrementAndGet());
        SipUserAgent.Invite invite = new SipUserAgent.Invite("sip:" + dial.toNumber() + "@" + trunk,
                dial.fromNumber().orElse("parley"), offer, dial.ringTimeout());
        try {
            return ua.dial(invite, closing)::hangup;
        } catch (RuntimeException e) {
            rtp.close();
            throw e;
        }
    }

    @Override
    public void close() {
        ua.close();
    }
}
