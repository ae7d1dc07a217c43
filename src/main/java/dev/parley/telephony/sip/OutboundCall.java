package dev.parley.telephony.sip;

import dev.parley.call.EndReason;
import dev.parley.telephony.CallEnd;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import javax.sip.ClientTransaction;
import javax.sip.Dialog;
import javax.sip.header.CSeqHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One outbound INVITE dialog, from the INVITE to its end. Its life is one {@link State}:
 *
 * <pre>
 *   TRYING --1xx--> RINGING --2xx--> ANSWERED --BYE (either way)--> ENDED
 *     |  hangup        | hangup                                      ^
 *     v                v                                              |
 *   CANCEL_PENDING --1xx--> CANCELING --487 (or a 2xx: BYE at once)---+
 *   any final >= 300, or no response ----------------------------------+
 * </pre>
 *
 * A CANCEL may only follow a provisional response (RFC 3261 9.1), so a hang-up before one is kept
 * as {@code CANCEL_PENDING} and sent when it arrives. A 200 that crosses our CANCEL makes a call
 * that must be ended at once with a BYE. {@link #hangup()} is safe in every state.
 *
 * <p>Threading: the stack's thread and the owner's hang-up meet here; the state is guarded by this
 * object's monitor and listener callbacks run outside it. {@code ended} is reported exactly once.
 */
final class OutboundCall {
    private static final Logger log = LoggerFactory.getLogger(OutboundCall.class);

    enum State { TRYING, RINGING, CANCEL_PENDING, CANCELING, ANSWERED, ENDED }

    private final SipUserAgent ua;
    private final String sipCallId;
    private final SipUserAgent.SipCallListener listener;
    private final Optional<SipUserAgent.Credentials> credentials;
    private final String localSdp;
    private volatile ClientTransaction invite; // replaced when a challenge is answered
    private State state = State.TRYING;
    private boolean challengeAnswered;
    private Dialog dialog;

    OutboundCall(SipUserAgent ua, String sipCallId, ClientTransaction invite, SipUserAgent.SipCallListener listener,
                 Optional<SipUserAgent.Credentials> credentials, String localSdp) {
        this.ua = ua;
        this.sipCallId = sipCallId;
        this.invite = invite;
        this.listener = listener;
        this.credentials = credentials;
        this.localSdp = localSdp;
    }

    String sipCallId() {
        return sipCallId;
    }

    String localSdp() {
        return localSdp;
    }

    /** CANCEL before an answer, BYE after; nothing once ended or already hanging up. */
    public void hangup() {
        State was;
        synchronized (this) {
            was = state;
            switch (state) {
                case TRYING -> state = State.CANCEL_PENDING;
                case RINGING -> state = State.CANCELING;
                case ANSWERED, CANCEL_PENDING, CANCELING, ENDED -> { }
            }
        }
        switch (was) {
            case RINGING -> sendCancel();
            case ANSWERED -> sendBye();
            case TRYING, CANCEL_PENDING, CANCELING, ENDED -> { }
        }
    }

    void onResponse(Response r, Dialog d) {
        int code = r.getStatusCode();
        if (code < 200) {
            onProvisional(r, code);
        } else if (code < 300) {
            onAnswer(r, d);
        } else if ((code == 401 || code == 407) && answerChallenge(r)) {
            return;
        } else {
            boolean weCanceled;
            synchronized (this) {
                weCanceled = state == State.CANCELING || state == State.CANCEL_PENDING;
            }
            end(SipOutcomes.ofFinalResponse(code, r.getReasonPhrase(), weCanceled));
        }
    }

    private void onProvisional(Response r, int code) {
        State was;
        synchronized (this) {
            was = state;
            if (code == 100) {
                return;
            }
            switch (state) {
                case TRYING -> state = State.RINGING;
                case CANCEL_PENDING -> state = State.CANCELING;
                default -> {
                    return; // a 180 the network delivered after the 200 is stale: the call is already up
                }
            }
        }
        if (was == State.CANCEL_PENDING) {
            sendCancel();
            return;
        }
        listener.ringing(code);
        byte[] body = r.getRawContent();
        if (code == 183 && body != null && body.length > 0) {
            listener.earlyMedia(new String(body, StandardCharsets.UTF_8));
        }
    }

    private void onAnswer(Response r, Dialog d) {
        ack(r, d);
        State was;
        synchronized (this) {
            was = state;
            if (state == State.ENDED || state == State.ANSWERED) {
                return; // a retransmitted 200: ACKed again, nothing else
            }
            state = State.ANSWERED;
            dialog = d;
        }
        if (was == State.CANCELING || was == State.CANCEL_PENDING) {
            sendBye(); // a 200 crossed our CANCEL: the call exists now and must be ended
            return;
        }
        byte[] body = r.getRawContent();
        listener.answeredWith(body == null ? null : new String(body, StandardCharsets.UTF_8));
    }

    void onBye() {
        end(CallEnd.remote(EndReason.CALLEE_ENDED, null, "BYE received"));
    }

    void onTimeout() {
        State was;
        synchronized (this) {
            was = state;
        }
        switch (was) {
            case ANSWERED, ENDED -> { }
            // We gave up before anything came back: the end is ours, not the carrier's fault.
            case CANCEL_PENDING -> end(CallEnd.hungUpHere(EndReason.CANCELED, null, "no response to the INVITE"));
            case TRYING, RINGING, CANCELING -> end(CallEnd.remote(EndReason.CARRIER_ERROR, null, "no response to the INVITE"));
        }
    }

    private void sendCancel() {
        try {
            ua.provider.getNewClientTransaction(invite.createCancel()).sendRequest();
        } catch (Exception e) {
            log.warn("CANCEL could not be sent", e);
        }
    }

    private void sendBye() {
        Dialog d;
        synchronized (this) {
            d = dialog;
        }
        try {
            d.sendRequest(ua.provider.getNewClientTransaction(d.createRequest(Request.BYE)));
            end(CallEnd.hungUpHere(EndReason.API_HANGUP, null, "BYE sent"));
        } catch (Exception e) {
            log.warn("BYE could not be sent", e);
            end(CallEnd.hungUpHere(EndReason.API_HANGUP, null, "BYE could not be sent"));
        }
    }

    private void ack(Response r, Dialog d) {
        try {
            long cseq = ((CSeqHeader) r.getHeader(CSeqHeader.NAME)).getSeqNumber();
            d.sendAck(d.createAck(cseq));
        } catch (Exception e) {
            log.warn("ACK could not be sent", e);
        }
    }

    /** Answers one 401/407 with digest credentials (RFC 3261 22.2); true when a new INVITE went out. */
    private boolean answerChallenge(Response r) {
        synchronized (this) {
            if (credentials.isEmpty() || challengeAnswered || state != State.TRYING && state != State.RINGING) {
                return false;
            }
            challengeAnswered = true;
        }
        SipUserAgent.Credentials c = credentials.get();
        try {
            var helper = ((gov.nist.javax.sip.SipStackExt) ua.stack).getAuthenticationHelper(
                    (challenged, realm) -> new gov.nist.javax.sip.clientauthutils.UserCredentials() {
                        @Override
                        public String getUserName() {
                            return c.username();
                        }

                        @Override
                        public String getPassword() {
                            return c.password();
                        }

                        @Override
                        public String getSipDomain() {
                            return realm;
                        }
                    }, ua.headers);
            ClientTransaction retry = helper.handleChallenge(r, invite, ua.provider, 5);
            invite = retry;
            retry.sendRequest();
            return true;
        } catch (Exception e) {
            log.warn("Could not answer the trunk's authentication challenge", e);
            return false;
        }
    }

    private void end(CallEnd end) {
        synchronized (this) {
            if (state == State.ENDED) {
                return;
            }
            state = State.ENDED;
        }
        ua.calls.remove(sipCallId);
        listener.ended(end);
    }
}
