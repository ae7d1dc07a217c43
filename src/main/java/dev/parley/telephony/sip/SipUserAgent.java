package dev.parley.telephony.sip;

import dev.parley.number.SandboxRegistrations;
import dev.parley.telephony.CallEnd;
import gov.nist.core.CommonLogger;
import gov.nist.javax.sip.header.HeaderFactoryExt;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import javax.sip.ClientTransaction;
import javax.sip.Dialog;
import javax.sip.DialogTerminatedEvent;
import javax.sip.IOExceptionEvent;
import javax.sip.ListeningPoint;
import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.ServerTransaction;
import javax.sip.SipException;
import javax.sip.SipFactory;
import javax.sip.SipListener;
import javax.sip.SipProvider;
import javax.sip.SipStack;
import javax.sip.TimeoutEvent;
import javax.sip.TransactionTerminatedEvent;
import javax.sip.address.Address;
import javax.sip.address.AddressFactory;
import javax.sip.address.SipURI;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ContactHeader;
import javax.sip.header.HeaderFactory;
import javax.sip.header.ToHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parley's SIP user agent (JAIN-SIP RI underneath): places outbound calls and keeps each one's
 * signalling straight. Per call: INVITE with an SDP offer; 1xx reports ringing; 2xx is ACKed and
 * reports the answer; any other final response ends the call through {@link SipOutcomes} (the stack
 * ACKs those itself). {@link OutboundCall} keeps one call's state. A BYE from the far end is
 * answered 200 and ends the call; OPTIONS is answered 200. An answered call can be handed to
 * another number or URI with REFER (RFC 3515); the far end's NOTIFYs about it are answered 200. Ring timeouts belong to the call's owner,
 * which hangs up (CANCEL) when it wants.
 *
 * <p>Threading: the stack delivers events on its own thread; state per call is guarded by the
 * call's monitor, and listener callbacks run outside it, in order, exactly one {@code ended}.
 */
public final class SipUserAgent implements SipListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SipUserAgent.class);

    /**
     * @param host the address to listen on
     * @param externalHost the address peers reach us at, put in Contact (the listen host unless behind NAT)
     */
    public record Settings(String host, int port, String externalHost, String userAgent) {
        public Settings(String host, int port, String userAgent) {
            this(host, port, host, userAgent);
        }
    }

    /** What one outbound call reports, from the stack's threads. */
    public interface SipCallListener {
        void ringing(int code);

        /** A 200 OK; {@code sdpAnswer} is its body, or null. */
        void answeredWith(String sdpAnswer);

        /** Called exactly once, last. */
        void ended(CallEnd end);

        /** A 183 with SDP: the far end sends audio before answering (announcements, ringback). */
        default void earlyMedia(String sdp) {
        }
    }

    /** Digest credentials for a trunk that challenges (401/407). */
    public record Credentials(String username, String password) {}

    /** One outbound call: where to, as whom, with which offer, and credentials if the far end asks. */
    public record Invite(String requestUri, String fromUser, String sdpOffer,
                         Optional<Credentials> credentials, String transport) {
        public Invite(String requestUri, String fromUser, String sdpOffer) {
            this(requestUri, fromUser, sdpOffer, Optional.empty(), ListeningPoint.UDP);
        }
    }

    final SipStack stack;
    final SipProvider provider;
    private final AddressFactory addresses;
    final HeaderFactory headers;
    private final MessageFactory messages;
    private final Settings settings;
    private final ListeningPoint udp;
    private final ListeningPoint tcp;
    final Map<String, OutboundCall> calls = new ConcurrentHashMap<>();
    private volatile SandboxRegistrar registrar;

    public SipUserAgent(Settings settings) {
        this.settings = settings;
        try {
            Slf4jSipLogger logger = new Slf4jSipLogger();
            CommonLogger.useLegacyLogger = true;
            CommonLogger.legacyLogger = logger;
            SipFactory factory = SipFactory.getInstance();
            factory.setPathName("gov.nist");
            Properties p = new Properties();
            p.setProperty("javax.sip.STACK_NAME", "parley-" + UUID.randomUUID());
            p.setProperty("gov.nist.javax.sip.STACK_LOGGER", Slf4jSipLogger.class.getName());
            p.setProperty("gov.nist.javax.sip.SERVER_LOGGER", Slf4jSipLogger.class.getName());
            p.setProperty("gov.nist.javax.sip.MAX_MESSAGE_SIZE", "65536");
            p.setProperty("gov.nist.javax.sip.MESSAGE_PARSER_FACTORY", StrictParserFactory.class.getName());
            p.setProperty("javax.sip.AUTOMATIC_DIALOG_SUPPORT", "on");
            // By default the stack starts a thread per UDP datagram, so a 180 and the 200 right behind it
            // were handled in either order: a third of 50 softphone calls lost their "ringing". One
            // thread reads and parses datagrams in arrival order; the listener already gets events
            // from one thread, and parsing costs tens of microseconds.
            p.setProperty("gov.nist.javax.sip.THREAD_POOL_SIZE", "1");
            this.stack = factory.createSipStack(p);
            this.addresses = factory.createAddressFactory();
            this.headers = factory.createHeaderFactory();
            this.messages = factory.createMessageFactory();
            this.udp = stack.createListeningPoint(settings.host(), settings.port(), ListeningPoint.UDP);
            this.tcp = stack.createListeningPoint(settings.host(), udp.getPort(), ListeningPoint.TCP);
            this.provider = stack.createSipProvider(udp);
            provider.addListeningPoint(tcp);
            provider.addSipListener(this);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot start SIP on " + settings.host() + ":" + settings.port()
                    + " (" + e.getMessage() + "); is the port free?", e);
        }
    }

    public int port() {
        return udp.getPort();
    }

    /** Where peers reach us: what goes in SDP and Contact. */
    public String externalHost() {
        return settings.externalHost();
    }

    /** Act as the sandbox registrar: softphones REGISTER here with a workspace's sandbox password. */
    public void enableSandbox(SandboxRegistrations registrations,
                              Supplier<Map<String, String>> passwordsByWorkspace) {
        this.registrar = new SandboxRegistrar(registrations, passwordsByWorkspace);
    }

    /** Sends the INVITE; the listener hears the rest. */
    public OutboundCall dial(Invite invite, SipCallListener listener) {
        try {
            SipURI target = (SipURI) addresses.createURI(invite.requestUri());
            boolean overTcp = invite.transport().equalsIgnoreCase(ListeningPoint.TCP);
            if (overTcp) {
                target.setTransportParam(ListeningPoint.TCP);
            }
            SipURI fromUri = addresses.createSipURI(invite.fromUser(), settings.host());
            Address from = addresses.createAddress(fromUri);
            Address to = addresses.createAddress(addresses.createSipURI(target.getUser(), target.getHost()));
            CallIdHeader callId = provider.getNewCallId();
            List<ViaHeader> via = new ArrayList<>();
            ViaHeader v = headers.createViaHeader(settings.host(), port(), overTcp ? ListeningPoint.TCP : ListeningPoint.UDP, null);
            v.setRPort();
            via.add(v);
            Request request = messages.createRequest(target, Request.INVITE, callId, headers.createCSeqHeader(1L, Request.INVITE),
                    headers.createFromHeader(from, Long.toHexString(Double.doubleToLongBits(Math.random()))),
                    headers.createToHeader(to, null), via, headers.createMaxForwardsHeader(70));
            SipURI contactUri = addresses.createSipURI(invite.fromUser(), settings.externalHost());
            contactUri.setPort(port());
            if (overTcp) {
                contactUri.setTransportParam(ListeningPoint.TCP);
            }
            request.addHeader(headers.createContactHeader(addresses.createAddress(contactUri)));
            request.addHeader(headers.createUserAgentHeader(List.of(settings.userAgent())));
            request.setContent(invite.sdpOffer(), headers.createContentTypeHeader("application", "sdp"));
            ClientTransaction tx = provider.getNewClientTransaction(request);
            OutboundCall call = new OutboundCall(this, callId.getCallId(), tx, listener, invite.credentials(), invite.sdpOffer());
            calls.put(call.sipCallId(), call);
            tx.sendRequest();
            return call;
        } catch (Exception e) {
            throw new IllegalStateException("Cannot send the INVITE: " + e.getMessage(), e);
        }
    }

    @Override
    public void processResponse(ResponseEvent event) {
        Response r = event.getResponse();
        CallIdHeader id = (CallIdHeader) r.getHeader(CallIdHeader.NAME);
        String method = ((CSeqHeader) r.getHeader(CSeqHeader.NAME)).getMethod();
        OutboundCall call = id == null ? null : calls.get(id.getCallId());
        if (call != null && method.equals(Request.INVITE)) {
            call.onResponse(r, event.getDialog());
        } else if (call != null && r.getStatusCode() >= 200 && event.getClientTransaction() != null
                && event.getClientTransaction().getApplicationData() instanceof OutboundCall.Referral referral) {
            call.onReferAnswer(referral, r.getStatusCode());
        }
    }

    /**
     * Sends a REFER (RFC 3515) in the call's dialog, asking the far end to call {@code referTo}; its
     * final response reaches the call through {@link OutboundCall#onReferAnswer}, found by the
     * transaction's application data. Referred-By names us
     * as the INVITE did (RFC 3892), so the new call can show who handed it over.
     */
    void refer(Dialog dialog, String referTo, OutboundCall.Referral referral) throws SipException, ParseException {
        Request refer = dialog.createRequest(Request.REFER);
        refer.addHeader(headers.createReferToHeader(addresses.createAddress(addresses.createURI(referTo))));
        refer.addHeader(((HeaderFactoryExt) headers).createReferredByHeader(dialog.getLocalParty()));
        refer.setHeader(contact());
        refer.addHeader(headers.createUserAgentHeader(List.of(settings.userAgent())));
        ClientTransaction tx = provider.getNewClientTransaction(refer);
        tx.setApplicationData(referral);
        dialog.sendRequest(tx);
    }

    /** Where the far end reaches us inside a call: answers to re-INVITEs, and our REFERs. */
    private ContactHeader contact() throws ParseException {
        SipURI contactUri = addresses.createSipURI("parley", settings.externalHost());
        contactUri.setPort(port());
        return headers.createContactHeader(addresses.createAddress(contactUri));
    }

    @Override
    public void processRequest(RequestEvent event) {
        Request request = event.getRequest();
        try {
            ServerTransaction tx = event.getServerTransaction() != null ? event.getServerTransaction()
                    : provider.getNewServerTransaction(request);
            switch (request.getMethod()) {
                case Request.BYE -> {
                    tx.sendResponse(messages.createResponse(Response.OK, request));
                    CallIdHeader id = (CallIdHeader) request.getHeader(CallIdHeader.NAME);
                    OutboundCall call = calls.get(id.getCallId());
                    if (call != null) {
                        call.onBye();
                    }
                }
                case Request.OPTIONS -> tx.sendResponse(messages.createResponse(Response.OK, request));
                case Request.REGISTER -> {
                    SandboxRegistrar r = registrar;
                    if (r == null) {
                        tx.sendResponse(messages.createResponse(Response.FORBIDDEN, request)); // a trunk is configured: no registrar
                    } else {
                        ViaHeader via = (ViaHeader) request.getHeader(ViaHeader.NAME);
                        r.handle(request, tx, messages, headers, via.getHost() + ":" + via.getPort());
                    }
                }
                case Request.ACK -> { }
                case Request.NOTIFY -> notify(request, tx);
                case Request.INVITE -> reInvite(request, tx);
                default -> tx.sendResponse(messages.createResponse(Response.METHOD_NOT_ALLOWED, request));
            }
        } catch (Exception e) {
            log.warn("Could not answer a {} request", request.getMethod(), e);
        }
    }

    /**
     * An INVITE inside a call's dialog (session refresh, hold) is answered 200 with our session
     * description, so media keeps flowing; one outside any call is refused: Parley takes no inbound
     * calls, and nobody gets call service without a trunk or a sandbox registration.
     */
    private void reInvite(Request request, ServerTransaction tx) throws Exception {
        CallIdHeader id = (CallIdHeader) request.getHeader(CallIdHeader.NAME);
        OutboundCall call = calls.get(id.getCallId());
        boolean inDialog = ((ToHeader) request.getHeader(ToHeader.NAME)).getTag() != null;
        if (call == null || !inDialog) {
            tx.sendResponse(messages.createResponse(Response.FORBIDDEN, request));
            return;
        }
        Response ok = messages.createResponse(Response.OK, request);
        ok.addHeader(contact());
        ok.setContent(call.localSdp(), headers.createContentTypeHeader("application", "sdp"));
        tx.sendResponse(ok);
    }

    /**
     * The far end reports how a transfer we asked for goes (RFC 3515 2.4.4: a message/sipfrag of the
     * new call's responses). The call takes its REFER's 2xx as the answer and hangs up at once, so the
     * reports only need a 200, or they are retransmitted; one for a call already over gets 481.
     */
    private void notify(Request request, ServerTransaction tx) throws Exception {
        CallIdHeader id = (CallIdHeader) request.getHeader(CallIdHeader.NAME);
        int code = calls.containsKey(id.getCallId()) ? Response.OK : Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST;
        tx.sendResponse(messages.createResponse(code, request));
    }

    @Override
    public void processTimeout(TimeoutEvent event) {
        if (event.getClientTransaction() != null) {
            Request r = event.getClientTransaction().getRequest();
            OutboundCall call = calls.get(((CallIdHeader) r.getHeader(CallIdHeader.NAME)).getCallId());
            if (call != null && r.getMethod().equals(Request.INVITE)) {
                call.onTimeout();
            } else if (call != null && event.getClientTransaction().getApplicationData() instanceof OutboundCall.Referral referral) {
                call.onReferAnswer(referral, Response.REQUEST_TIMEOUT);
            }
        }
    }

    @Override
    public void processIOException(IOExceptionEvent event) {
        log.warn("SIP I/O error towards {}:{}", event.getHost(), event.getPort());
    }

    @Override
    public void processTransactionTerminated(TransactionTerminatedEvent event) {
        // nothing to clean: calls end on responses, BYE or timeouts
    }

    @Override
    public void processDialogTerminated(DialogTerminatedEvent event) {
        // nothing to clean
    }

    @Override
    public void close() {
        provider.removeSipListener(this);
        // stop() alone: it closes the listening points and providers itself. The RI stops the whole stack
        // when its last provider is deleted, and each stop waits a second for its timers, so deleting
        // the provider first made every node's close two seconds long.
        stack.stop();
    }
}
