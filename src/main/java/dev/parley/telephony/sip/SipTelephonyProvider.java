package dev.parley.telephony.sip;

import dev.parley.call.EndReason;
import dev.parley.media.RtpPorts;
import dev.parley.media.RtpTransport;
import dev.parley.media.SdpAnswer;
import dev.parley.number.PhoneNumberService;
import dev.parley.number.SandboxRegistrations;
import dev.parley.telephony.CallEnd;
import dev.parley.telephony.CallListener;
import dev.parley.telephony.TelephonyProvider;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.DatagramSocket;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Places calls over SIP: through the workspace's own number and trunk ({@code /v1/admin/phone-number},
 * digest credentials answered when challenged), else the node's {@code sip.trunk}, else to the
 * softphone registered for the number in the sandbox. Each call gets its own RTP socket, opened
 * before the INVITE because peers may send media before their 200 (FIELD-NOTES). Early media and
 * the answer hand the call's {@link RtpTransport} to the listener, which owns it from then on (it
 * paces, records and closes it); a socket never handed over is closed here when the call ends.
 */
public final class SipTelephonyProvider implements TelephonyProvider {
    private static final Logger log = LoggerFactory.getLogger(SipTelephonyProvider.class);

    private final SipUserAgent ua;
    private final String host;
    private final Optional<String> trunk;
    private final SandboxRegistrations sandbox;
    private final RtpPorts ports;
    private final RtpTransport.Stats rtpStats = RtpTransport.Stats.create();
    private final BiFunction<String, Optional<String>, Optional<PhoneNumberService.Trunk>> numbers;
    private final AtomicLong sessions = new AtomicLong(System.currentTimeMillis() / 1000);

    /** @param trunk where calls go; without one, to softphones registered in the sandbox */
    public SipTelephonyProvider(SipUserAgent ua, String host, Optional<String> trunk,
                                SandboxRegistrations sandbox,
                                RtpPorts ports,
                                BiFunction<String, Optional<String>, Optional<PhoneNumberService.Trunk>> numbers) {
        this.ua = ua;
        this.ports = ports;
        this.numbers = numbers;
        this.host = host;
        this.trunk = trunk;
        this.sandbox = sandbox;
    }

    /**
     * RTP packets in and out over every call of this node; of those in, duplicates dropped and late
     * ones (after their playout slot); and lost: sequence numbers that never came (see RtpTransport.Stats).
     */
    public void bindMetrics(MeterRegistry registry) {
        FunctionCounter.builder("parley.rtp.packets", rtpStats, s -> s.in().sum())
                .tag("direction", "in").register(registry);
        FunctionCounter.builder("parley.rtp.packets", rtpStats, s -> s.out().sum())
                .tag("direction", "out").register(registry);
        FunctionCounter.builder("parley.rtp.packets.lost", rtpStats, s -> s.lost().sum())
                .register(registry);
        FunctionCounter.builder("parley.rtp.packets.late", rtpStats, s -> s.late().sum())
                .register(registry);
        FunctionCounter.builder("parley.rtp.packets.duplicate", rtpStats, s -> s.duplicate().sum())
                .register(registry);
    }

    @Override
    public Active dial(Dial dial, CallListener listener) {
        String target;
        Optional<SipUserAgent.Credentials> credentials = Optional.empty();
        String callerId = dial.fromNumber().orElse("parley");
        String transport = "udp";
        Optional<PhoneNumberService.Trunk> own = numbers.apply(dial.workspaceId(), dial.fromNumber());
        if (own.isPresent()) {
            // The workspace's own number and trunk: its caller id, its credentials.
            var t = own.get();
            target = "sip:" + dial.toNumber() + "@" + (t.host().contains(":") && !t.host().startsWith("[") ? "[" + t.host() + "]" : t.host())
                    + ":" + t.port();
            callerId = t.callerId();
            transport = t.transport();
            credentials = t.username().map(u -> new SipUserAgent.Credentials(u, t.password().orElse("")));
        } else if (trunk.isPresent()) {
            target = "sip:" + dial.toNumber() + "@" + trunk.get();
        } else {
            Optional<String> contact = sandbox.contactOf(dial.workspaceId(), dial.toNumber());
            if (contact.isEmpty()) {
                listener.ended(CallEnd.remote(EndReason.UNREACHABLE, null,
                        "no softphone is registered for this number in the sandbox (GET /v1/admin/sandbox says how)"));
                return () -> { };
            }
            target = contact.get();
        }
        Optional<DatagramSocket> socket = ports.open();
        if (socket.isEmpty()) {
            listener.ended(CallEnd.remote(EndReason.CAPACITY, null,
                    "no RTP port free on this node (rtp.ports)"));
            return () -> { };
        }
        DatagramSocket rtp = socket.get();
        AtomicReference<RtpTransport> media = new AtomicReference<>();
        SipUserAgent.SipCallListener sip = new SipUserAgent.SipCallListener() {
            @Override
            public void ringing(int code) {
                listener.ringing(code);
            }

            @Override
            public void earlyMedia(String sdp) {
                // What the network plays before the answer is heard and recorded; nothing is sent.
                // The stack reports one call's responses on one thread, so this and the answer never race.
                Optional<SdpAnswer> early = SdpAnswer.parse(sdp);
                if (media.get() == null && early.isPresent()) {
                    media.set(new RtpTransport(rtp, early.get(), listener::dtmf, rtpStats));
                    listener.earlyMedia(media.get());
                }
            }

            @Override
            public void answeredWith(String sdp) {
                Optional<SdpAnswer> answer = SdpAnswer.parse(sdp);
                if (media.get() == null && answer.isPresent()) {
                    media.set(new RtpTransport(rtp, answer.get(), listener::dtmf, rtpStats));
                }
                listener.answered(media.get()); // null: no usable audio, the owner hangs up
            }

            @Override
            public void ended(CallEnd end) {
                if (media.get() == null) {
                    rtp.close(); // never handed over: ours to close
                }
                listener.ended(end);
            }
        };
        String offer = SdpOffer.audio(ua.externalHost(), rtp.getLocalPort(), sessions.incrementAndGet());
        SipUserAgent.Invite invite = new SipUserAgent.Invite(target, callerId, offer, credentials, transport);
        try {
            return ua.dial(invite, sip); // hangs up, and transfers once answered (REFER)
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
