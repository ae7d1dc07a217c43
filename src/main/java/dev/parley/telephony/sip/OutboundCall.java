package dev.parley.telephony.sip;

import dev.parley.call.EndReason;
import dev.parley.error.Problem;
import dev.parley.telephony.CallEnd;
import dev.parley.telephony.TelephonyProvider;
import dev.parley.telephony.TransferDestination;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sip.ClientTransaction;
import javax.sip.Dialog;
import javax.sip.SipException;
import javax.sip.address.SipURI;
import javax.sip.header.CSeqHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One outbound INVITE dialog, from the INVITE to its end. Its life is one {@link State}:
 *
 * <pre>
 *   TRYING --1xx--> RINGING --2xx--> ANSWERED --hangup, or a REFER accepted--> HANGING_UP --BYE sent--> ENDED
 *     |  hangup        | hangup         |                                                               ^
 *     v                v                +--BYE from the far end------------------------------------------+
 *   CANCEL_PENDING --1xx--> CANCELING --487 (or a 2xx: BYE at once)-----------------------------------+
 *   any final >= 300, or no response ------------------------------------------------------------------+
 * </pre>
 *
 * A CANCEL may only follow a provisional response (RFC 3261 9.1), so a hang-up before one is kept
 * as {@code CANCEL_PENDING} and sent when it arrives. A 200 that crosses our CANCEL makes a call
 * that must be ended at once with a BYE. A CANCEL whose INVITE never gets its final response (a 487,
 * or a 200 the far end sent that never reached us) ends the call after {@link #CANCEL_PATIENCE}, as
 * RFC 3261 9.1 says: the INVITE transaction has no timer left once a provisional came, so without
 * this the call would ring here forever. {@link #hangup()} is safe in every state, and sends one BYE.
 *
 * <p><b>Transfer</b> (RFC 3515): an answered call may send one REFER at a time. The owner's thread
 * waits for its final response ({@link #REFER_PATIENCE}, outside the monitor; the stack's thread only
 * completes the wait). A 2xx means the far end takes the call over: we hang up at once with BYE,
 * without waiting for its NOTIFYs about the new call, and the call ends {@code transferred}. Anything
 * else, or silence, leaves the call as it was. A 2xx that comes after we stopped waiting still ends
 * the call: the far end is placing the new call whatever we told the conversation.
 *
 * <p>Threading: the stack's thread and the owner's hang-up meet here; the state is guarded by this
 * object's monitor and listener callbacks run outside it. {@code ended} is reported exactly once.
 */
final class OutboundCall implements TelephonyProvider.Active {
    private static final Logger log = LoggerFactory.getLogger(OutboundCall.class);

    /** How long a transfer waits for the far end to accept or refuse the REFER. */
    static final Duration REFER_PATIENCE = Duration.ofSeconds(5);

    /** 64 x T1: how long a CANCEL waits for the INVITE's final response before the call is given up (RFC 3261 9.1). */
    static final Duration CANCEL_PATIENCE = Duration.ofSeconds(32);

    enum State { TRYING, RINGING, CANCEL_PENDING, CANCELING, ANSWERED, HANGING_UP, ENDED }

    /** One REFER: where to, and its final response's code once it came. */
    record Referral(String destination, CompletableFuture<Integer> answer) {}

    /** What a REFER's answer becomes when we stop waiting for it: the call ended, or it took too long. */
    private static final int GAVE_UP = -1;

    private final SipUserAgent ua;
    private final String sipCallId;
    private final SipUserAgent.SipCallListener listener;
    private final Optional<SipUserAgent.Credentials> credentials;
    private final String localSdp;
    private volatile ClientTransaction invite; // replaced when a challenge is answered
    private State state = State.TRYING;
    private boolean challengeAnswered;
    private Referral referral; // the REFER under way, if any
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
    @Override
    public void hangup() {
        State was;
        synchronized (this) {
            was = state;
            switch (state) {
                case TRYING -> state = State.CANCEL_PENDING;
                case RINGING -> state = State.CANCELING;
                case ANSWERED -> state = State.HANGING_UP;
                case CANCEL_PENDING, CANCELING, HANGING_UP, ENDED -> { }
            }
        }
        switch (was) {
            case RINGING -> sendCancel();
            case ANSWERED -> hangUpAnswered();
            case TRYING, CANCEL_PENDING, CANCELING, HANGING_UP, ENDED -> { }
        }
    }

    /**
     * Asks the far end to call {@code destination} (an E.164 number, sent to the host this call went
     * to, or a SIP URI) and returns once it accepted, refused, let {@link #REFER_PATIENCE} pass or the
     * call ended. Blocks the calling thread, which must not be the stack's.
     */
    @Override
    public boolean transfer(String destination) {
        TransferDestination to;
        try {
            to = TransferDestination.parse("destination", destination);
        } catch (Problem e) {
            log.warn("A transfer to something that is neither an E.164 number nor a SIP URI was refused");
            return false;
        }
        SipURI dialed = (SipURI) invite.getRequest().getRequestURI();
        Referral r = new Referral(to.text(), new CompletableFuture<>());
        Dialog d;
        synchronized (this) {
            if (state != State.ANSWERED || referral != null) {
                return false; // not answered yet, over, hanging up, or a transfer already under way
            }
            referral = r;
            d = dialog;
        }
        try {
            ua.refer(d, ReferTarget.uri(to, dialed.getHost(), dialed.getPort()), r);
            int code = r.answer().get(REFER_PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            if (code >= 300) {
                log.info("The far end refused the transfer ({})", code);
            }
            return code >= 200 && code < 300 && takenOver(r);
        } catch (TimeoutException e) {
            // From now on a 2xx is late: onReferAnswer still ends the call, since the far end acts on it.
            log.warn("The far end did not answer the REFER within {} s; the call goes on", REFER_PATIENCE.toSeconds());
            return !r.answer().complete(GAVE_UP) && r.answer().join() / 100 == 2 && takenOver(r);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (SipException | ParseException | ExecutionException e) {
            log.warn("The REFER could not be sent", e);
            return false;
        } finally {
            synchronized (this) {
                referral = null;
            }
        }
    }

    /** The final response to a REFER of this call (408 when none came within the transaction's time). */
    void onReferAnswer(Referral r, int code) {
        if (!r.answer().complete(code) && code / 100 == 2) {
            log.warn("The far end accepted a transfer after we stopped waiting; it takes the call");
            takenOver(r);
        }
    }

    /** The far end accepted the REFER: hang up now, the call is the far end's. False if it was over already. */
    private boolean takenOver(Referral r) {
        synchronized (this) {
            if (state != State.ANSWERED) {
                return false; // ended, or hung up, while the REFER was out
            }
            state = State.HANGING_UP;
        }
        sendBye();
        end(CallEnd.transferred("transferred to " + r.destination()));
        return true;
    }

    /** BYE for an answered call we end, and its end: the owner knows why. */
    private void hangUpAnswered() {
        end(CallEnd.hungUpHere(EndReason.API_HANGUP, null, sendBye() ? "BYE sent" : "BYE could not be sent"));
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
            if (state == State.ENDED || state == State.ANSWERED || state == State.HANGING_UP) {
                return; // a retransmitted 200: ACKed again, nothing else
            }
            state = state == State.CANCELING || state == State.CANCEL_PENDING ? State.HANGING_UP : State.ANSWERED;
            dialog = d;
        }
        if (was == State.CANCELING || was == State.CANCEL_PENDING) {
            hangUpAnswered(); // a 200 crossed our CANCEL: the call exists now and must be ended
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
            case ANSWERED, HANGING_UP, ENDED -> { }
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
        // Its end stops the conversation and stores the call: a virtual thread, not the delayer's pool.
        CompletableFuture.delayedExecutor(ua.cancelPatience().toMillis(), TimeUnit.MILLISECONDS, r -> Thread.ofVirtual().start(r))
                .execute(this::cancelUnanswered);
    }

    private void cancelUnanswered() {
        synchronized (this) {
            if (state != State.CANCELING) {
                return;
            }
        }
        log.warn("The INVITE got no final response {} s after our CANCEL; the call is given up", ua.cancelPatience().toSeconds());
        end(CallEnd.hungUpHere(EndReason.CANCELED, null, "no final response to the INVITE after our CANCEL"));
    }

    /** @return whether it went out; the call ends either way */
    private boolean sendBye() {
        Dialog d;
        synchronized (this) {
            d = dialog;
        }
        try {
            d.sendRequest(ua.provider.getNewClientTransaction(d.createRequest(Request.BYE)));
            return true;
        } catch (Exception e) {
            log.warn("BYE could not be sent", e);
            return false;
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
        Referral waiting;
        synchronized (this) {
            if (state == State.ENDED) {
                return;
            }
            state = State.ENDED;
            waiting = referral;
        }
        if (waiting != null) {
            waiting.answer().complete(GAVE_UP); // the transfer's thread need not wait out its patience
        }
        ua.calls.remove(sipCallId);
        listener.ended(end);
    }
}
