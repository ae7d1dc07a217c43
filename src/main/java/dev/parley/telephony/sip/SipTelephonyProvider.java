package dev.parley.telephony.sip;

import dev.parley.media.RtpSession;
import dev.parley.media.SdpAnswer;
import dev.parley.telephony.CallEnd;
import dev.parley.telephony.CallListener;
import dev.parley.telephony.TelephonyProvider;
import java.io.IOException;
import java.net.DatagramSocket;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Places calls over SIP: through the workspace's own number and trunk ({@code /v1/admin/phone-number},
 * digest credentials answered when challenged), else the node's {@code sip.trunk}, else to the
 * softphone registered for the number in the sandbox. Each call gets its own RTP socket, opened
 * before the INVITE because peers may send media before their 200 (FIELD-NOTES). On answer the
 * call's {@link RtpSession} starts and is handed to the listener (the dialer runs the conversation
 * over it). The stereo recording is handed to the {@link dev.parley.recording.RecordingStore} before
 * the end is reported.
 */
public final class SipTelephonyProvider implements TelephonyProvider {
    private static final Logger log = LoggerFactory.getLogger(SipTelephonyProvider.class);
    private static final java.time.Duration SAVE_WAIT = java.time.Duration.ofSeconds(2);

    private final SipUserAgent ua;
    private final String host;
    private final Optional<String> trunk;
    private final dev.parley.telephony.SandboxRegistrations sandbox;
    private final dev.parley.recording.RecordingStore recordings;
    private final dev.parley.media.RtpPorts ports;
    private final RtpSession.Stats rtpStats = RtpSession.Stats.create();
    private final java.util.function.BiFunction<String, Optional<String>, Optional<dev.parley.telephony.PhoneNumberService.Trunk>> numbers;
    private final AtomicLong sessions = new AtomicLong(System.currentTimeMillis() / 1000);

    /** @param trunk where calls go; without one, to softphones registered in the sandbox */
    public SipTelephonyProvider(SipUserAgent ua, String host, Optional<String> trunk,
                                dev.parley.telephony.SandboxRegistrations sandbox, dev.parley.recording.RecordingStore recordings,
                                dev.parley.media.RtpPorts ports,
                                java.util.function.BiFunction<String, Optional<String>, Optional<dev.parley.telephony.PhoneNumberService.Trunk>> numbers) {
        this.ua = ua;
        this.ports = ports;
        this.numbers = numbers;
        this.host = host;
        this.trunk = trunk;
        this.sandbox = sandbox;
        this.recordings = recordings;
    }

    /** RTP packets in and out, lost (sequence gaps) and late (reordered), over every call of this node. */
    public void bindMetrics(io.micrometer.core.instrument.MeterRegistry registry) {
        io.micrometer.core.instrument.FunctionCounter.builder("parley.rtp.packets", rtpStats, s -> s.in().sum())
                .tag("direction", "in").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("parley.rtp.packets", rtpStats, s -> s.out().sum())
                .tag("direction", "out").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("parley.rtp.packets.lost", rtpStats, s -> s.lost().sum())
                .register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("parley.rtp.packets.late", rtpStats, s -> s.late().sum())
                .register(registry);
    }

    @Override
    public Active dial(Dial dial, CallListener listener) {
        String target;
        Optional<SipUserAgent.Credentials> credentials = Optional.empty();
        String callerId = dial.fromNumber().orElse("parley");
        String transport = "udp";
        Optional<dev.parley.telephony.PhoneNumberService.Trunk> own = numbers.apply(dial.workspaceId(), dial.fromNumber());
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
                listener.ended(new CallEnd(dev.parley.call.CallStatus.FAILED, "unreachable", null,
                        "no softphone is registered for this number in the sandbox (GET /v1/admin/sandbox says how)"));
                return () -> { };
            }
            target = contact.get();
        }
        Optional<DatagramSocket> socket = ports.open();
        if (socket.isEmpty()) {
            listener.ended(new CallEnd(dev.parley.call.CallStatus.FAILED, "capacity", null,
                    "no RTP port free on this node (rtp.ports)"));
            return () -> { };
        }
        DatagramSocket rtp = socket.get();
        AtomicReference<SipUserAgent.OutboundCall> call = new AtomicReference<>();
        AtomicReference<RtpSession> media = new AtomicReference<>();
        SipUserAgent.SipCallListener sip = new SipUserAgent.SipCallListener() {
            @Override
            public void ringing(int code) {
                listener.ringing(code);
            }


            @Override
            public void earlyMedia(String sdp) {
                // Receive and record what the network plays before answering; nothing is sent.
                SdpAnswer.parse(sdp).ifPresent(early -> {
                    synchronized (media) {
                        if (media.get() == null) {
                            media.set(new RtpSession(rtp, early, listener::dtmf, rtpStats));
                        }
                    }
                });
            }

            @Override
            public void answeredWith(String sdp) {
                Optional<SdpAnswer> answer = SdpAnswer.parse(sdp);
                RtpSession session;
                synchronized (media) {
                    session = media.get();
                    if (session == null && answer.isPresent()) {
                        session = new RtpSession(rtp, answer.get(), listener::dtmf, rtpStats);
                        media.set(session);
                    }
                }
                listener.answered(session);
                if (session == null) {
                    log.warn("The far end answered without usable audio (no PCMU/PCMA in its SDP); hanging up");
                    hangupWhenKnown(call, "carrier-error");
                }
            }

            @Override
            public void ended(CallEnd end) {
                RtpSession session = media.get();
                if (session != null) {
                    session.close();
                    save(dial.callId(), session);
                } else {
                    rtp.close();
                }
                listener.ended(end);
            }
        };
        String offer = SdpOffer.audio(ua.externalHost(), rtp.getLocalPort(), sessions.incrementAndGet());
        SipUserAgent.Invite invite = new SipUserAgent.Invite(target, callerId, offer, dial.ringTimeout(), credentials, transport);
        try {
            SipUserAgent.OutboundCall placed = ua.dial(invite, sip);
            call.set(placed);
            return placed::hangup;
        } catch (RuntimeException e) {
            rtp.close();
            throw e;
        }
    }

    private static void hangupWhenKnown(AtomicReference<SipUserAgent.OutboundCall> call, String reason) {
        // dial() publishes the handle right after sending the INVITE, long before an answer can be
        // played to its end; waiting briefly covers the one case (no usable SDP) that comes at once.
        for (int i = 0; i < 100 && call.get() == null; i++) {
            dev.parley.work.Wakeup.pause(java.time.Duration.ofMillis(10));
        }
        SipUserAgent.OutboundCall c = call.get();
        if (c != null) {
            c.hangup(reason);
        }
    }

    /**
     * Stores the recording on a thread of its own and waits for it at most {@link #SAVE_WAIT}: this
     * runs on the SIP stack's one event thread, which serves every call of the node. Normally the
     * store answers well within the wait, so the recording is there before the call's end is
     * reported (an application fetching it on {@code call.report} finds it); a slow or unreachable
     * store keeps retrying in the background (the store's own patience) without holding up
     * other calls' signalling. A failure is logged and never stops the call from ending.
     */
    private void save(String callId, RtpSession session) {
        java.io.ByteArrayOutputStream wav = new java.io.ByteArrayOutputStream();
        try {
            session.writeRecording(wav);
        } catch (IOException e) {
            log.error("The recording could not be serialized", e);
            return;
        }
        byte[] bytes = wav.toByteArray();
        Thread put = Thread.ofVirtual().name("recording-" + callId).start(() -> {
            org.slf4j.MDC.put("call_id", callId);
            try {
                recordings.put(callId, bytes);
            } catch (RuntimeException e) {
                log.error("The recording could not be stored", e);
            }
        });
        try {
            put.join(SAVE_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        ua.close();
    }
}
