package dev.parley.telephony.sip;

import dev.parley.number.SandboxRegistrations;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.sip.ServerTransaction;
import javax.sip.address.SipURI;
import javax.sip.header.AuthorizationHeader;
import javax.sip.header.ContactHeader;
import javax.sip.header.ExpiresHeader;
import javax.sip.header.HeaderFactory;
import javax.sip.header.ToHeader;
import javax.sip.header.WWWAuthenticateHeader;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sandbox registrar, Parley's embedded default: a softphone registers as
 * {@code sip:<E.164>@<parley>} with its workspace's sandbox password (RFC 2617 digest, MD5, qop=auth),
 * and calls to that number ring it. The password identifies the workspace, so the digest is checked
 * against each workspace's; a self-hosted install has few. Nonces are stateless (a timestamp and its
 * HMAC under a per-process key) and live five minutes. Anything not authenticated gets 401 and no
 * service.
 */
final class SandboxRegistrar {
    private static final Logger log = LoggerFactory.getLogger(SandboxRegistrar.class);
    static final String REALM = "parley";
    private static final Duration NONCE_LIFE = Duration.ofMinutes(5);
    private static final int MAX_EXPIRES = 3600;

    private final SandboxRegistrations registrations;
    private final Supplier<Map<String, String>> passwordsByWorkspace;
    private final byte[] nonceKey = new byte[32];

    SandboxRegistrar(SandboxRegistrations registrations, Supplier<Map<String, String>> passwordsByWorkspace) {
        this.registrations = registrations;
        this.passwordsByWorkspace = passwordsByWorkspace;
        new SecureRandom().nextBytes(nonceKey);
    }

    void handle(Request request, ServerTransaction tx, MessageFactory messages, HeaderFactory headers, String source) throws Exception {
        String number = ((SipURI) ((ToHeader) request.getHeader(ToHeader.NAME)).getAddress().getURI()).getUser();
        AuthorizationHeader auth = (AuthorizationHeader) request.getHeader(AuthorizationHeader.NAME);
        String workspace = auth == null ? null : authenticate(auth, number);
        if (workspace == null) {
            Response challenge = messages.createResponse(Response.UNAUTHORIZED, request);
            WWWAuthenticateHeader www = headers.createWWWAuthenticateHeader("Digest");
            www.setRealm(REALM);
            www.setNonce(nonce());
            www.setAlgorithm("MD5");
            www.setQop("auth");
            challenge.addHeader(www);
            tx.sendResponse(challenge);
            return;
        }
        ContactHeader contact = (ContactHeader) request.getHeader(ContactHeader.NAME);
        ExpiresHeader expiresHeader = (ExpiresHeader) request.getHeader(ExpiresHeader.NAME);
        int expires = contact != null && contact.getExpires() >= 0 ? contact.getExpires()
                : expiresHeader != null ? expiresHeader.getExpires() : MAX_EXPIRES;
        expires = Math.min(expires, MAX_EXPIRES);
        Response ok = messages.createResponse(Response.OK, request);
        if (contact == null || expires == 0) {
            registrations.unregister(workspace, number);
        } else {
            registrations.register(workspace, number, contact.getAddress().getURI().toString(), source, Duration.ofSeconds(expires));
            ContactHeader echoed = (ContactHeader) contact.clone();
            echoed.setExpires(expires);
            ok.addHeader(echoed);
        }
        tx.sendResponse(ok);
        log.info("Sandbox registration {} for a workspace (expires in {} s)", expires == 0 ? "removed" : "accepted", expires);
    }

    /** The workspace whose password produced this digest, or null. */
    private String authenticate(AuthorizationHeader a, String number) {
        if (a.getUsername() == null || !a.getUsername().equals(number) || !REALM.equals(a.getRealm()) || !fresh(a.getNonce())) {
            return null;
        }
        String ha2 = md5("REGISTER:" + a.getURI());
        String qop = a.getQop();
        String nc = a.getNonceCount() > 0 ? String.format("%08x", a.getNonceCount()) : null;
        for (Map.Entry<String, String> ws : passwordsByWorkspace.get().entrySet()) {
            String ha1 = md5(number + ":" + REALM + ":" + ws.getValue());
            String expected = qop == null ? md5(ha1 + ":" + a.getNonce() + ":" + ha2)
                    : md5(ha1 + ":" + a.getNonce() + ":" + nc + ":" + a.getCNonce() + ":" + qop + ":" + ha2);
            if (MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                    String.valueOf(a.getResponse()).getBytes(StandardCharsets.US_ASCII))) {
                return ws.getKey();
            }
        }
        return null;
    }

    private String nonce() {
        String t = Long.toHexString(System.currentTimeMillis());
        return t + "." + hmac(t);
    }

    private boolean fresh(String nonce) {
        if (nonce == null) {
            return false;
        }
        int dot = nonce.indexOf('.');
        if (dot <= 0) {
            return false;
        }
        String t = nonce.substring(0, dot);
        if (!MessageDigest.isEqual(hmac(t).getBytes(StandardCharsets.US_ASCII), nonce.substring(dot + 1).getBytes(StandardCharsets.US_ASCII))) {
            return false;
        }
        try {
            return System.currentTimeMillis() - Long.parseLong(t, 16) < NONCE_LIFE.toMillis();
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private String hmac(String s) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(nonceKey, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(s.getBytes(StandardCharsets.US_ASCII)), 0, 16);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String md5(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
