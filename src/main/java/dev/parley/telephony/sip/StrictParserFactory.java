package dev.parley.telephony.sip;

import gov.nist.javax.sip.parser.MessageParser;
import gov.nist.javax.sip.parser.MessageParserFactory;
import gov.nist.javax.sip.parser.StringMsgParserFactory;
import gov.nist.javax.sip.stack.SIPTransactionStack;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.regex.Pattern;

/**
 * The RI's parser with two changes (FIELD-NOTES): our own strict checks first, for what the lenient
 * parser lets through, and parse errors re-thrown with a fixed message. The RI answers a parse error
 * with {@code 400 Bad Request (<exception message>)}; its own messages quote raw bytes and line breaks,
 * which breaks the status line and leaks parser internals.
 */
public final class StrictParserFactory implements MessageParserFactory {
    /** An address in angle brackets with white space just inside them, as in RFC 4475 3.1.2.15 (badaspec). */
    private static final Pattern SPACED_ADDR_SPEC = Pattern.compile(
            "(?im)^(?:from|f|to|t|contact|m)\\s*:[^\\r\\n]*<\\s[^\\r\\n]*|^(?:from|f|to|t|contact|m)\\s*:[^\\r\\n]*\\s>[^\\r\\n]*");
    private final StringMsgParserFactory lenient = new StringMsgParserFactory();

    @Override
    public MessageParser createMessageParser(SIPTransactionStack stack) {
        MessageParser inner = lenient.createMessageParser(stack);
        return (bytes, readBody, strict, listener) -> {
            check(bytes);
            try {
                return inner.parseSIPMessage(bytes, readBody, strict, listener);
            } catch (ParseException | RuntimeException e) {
                throw new ParseException("malformed SIP message", 0);
            }
        };
    }

    static void check(byte[] bytes) throws ParseException {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int headersEnd = text.indexOf("\r\n\r\n");
        String head = headersEnd < 0 ? text : text.substring(0, headersEnd);
        if (SPACED_ADDR_SPEC.matcher(head).find()) {
            throw new ParseException("malformed address", 0);
        }
    }
}
