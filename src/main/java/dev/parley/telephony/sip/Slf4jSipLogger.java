package dev.parley.telephony.sip;

import gov.nist.core.ServerLogger;
import gov.nist.core.StackLogger;
import gov.nist.javax.sip.message.SIPMessage;
import java.util.Locale;
import java.util.Properties;
import javax.sip.SipStack;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JAIN-SIP's stack and message logs over SLF4J. The RI's own loggers need log4j 1.x (end of life,
 * known CVEs), which we do not ship; the stack takes these instead (FIELD-NOTES). Messages are
 * logged at TRACE only: they carry phone numbers. The RI's "info" is chatter (a line per datagram
 * received, timer starts and stops), so it is DEBUG here, and its start-up warnings about TLS
 * defaults are DEBUG too: Parley opens no TLS listening point, and an operator told "TLS settings
 * will be inactive" at every start would look for a problem that is not there.
 */
public final class Slf4jSipLogger implements StackLogger, ServerLogger {
    private static final Logger log = LoggerFactory.getLogger("dev.parley.sip.stack");
    private static final Logger messages = LoggerFactory.getLogger("dev.parley.sip.messages");

    @Override
    public void logStackTrace() {
        // stack traces come with logException
    }

    @Override
    public void logStackTrace(int traceLevel) {
        // stack traces come with logException
    }

    @Override
    public int getLineCount() {
        return 0;
    }

    @Override
    public void logException(Throwable ex) {
        log.warn("SIP stack exception", ex);
    }

    @Override
    public void logDebug(String message) {
        log.debug(message);
    }

    @Override
    public void logDebug(String message, Exception ex) {
        log.debug(message, ex);
    }

    @Override
    public void logTrace(String message) {
        log.trace(message);
    }

    @Override
    public void logFatalError(String message) {
        log.error(message);
    }

    @Override
    public void logError(String message) {
        if (aboutKeepAlivePong(message)) {
            log.debug(message);
        } else {
            log.error(message);
        }
    }

    @Override
    public boolean isLoggingEnabled() {
        return log.isWarnEnabled(); // the RI's general gate: it must never hide its warnings and errors
    }

    @Override
    public boolean isLoggingEnabled(int level) {
        return switch (level) {
            case TRACE_FATAL, TRACE_ERROR -> log.isErrorEnabled();
            case TRACE_WARN -> log.isWarnEnabled();
            case TRACE_INFO -> log.isDebugEnabled();
            case TRACE_DEBUG -> log.isDebugEnabled();
            case TRACE_TRACE -> log.isTraceEnabled();
            default -> false;
        };
    }

    @Override
    public void logError(String message, Exception ex) {
        if (aboutKeepAlivePong(message)) {
            log.debug(message, ex);
        } else {
            log.error(message, ex);
        }
    }

    @Override
    public void logWarning(String message) {
        if (aboutTlsDefaults(message)) {
            log.debug(message);
        } else {
            log.warn(message);
        }
    }

    /**
     * A softphone's keep-alive ping over TCP (RFC 5626's double CRLF) whose pong the RI could not send:
     * the phone closed the connection first, or pinged before any request on it (the RI then fails on
     * its own null transport). Only that phone's flow is concerned, it re-registers if it needs to, no
     * call depends on it: an ERROR with a stack trace for every such ping would send an operator
     * looking for a fault (seen on a running node when a client pinged its SIP port).
     */
    static boolean aboutKeepAlivePong(String message) {
        return message != null && message.startsWith("A problem occured while trying to send a single CLRF");
    }

    static boolean aboutTlsDefaults(String message) {
        String m = message.toLowerCase(Locale.ROOT);
        return m.contains("tls") || m.contains("keystore") || m.contains("truststore");
    }

    @Override
    public void logInfo(String message) {
        log.debug(message);
    }

    @Override
    public void disableLogging() {
        // levels are SLF4J's to decide
    }

    @Override
    public void enableLogging() {
        // levels are SLF4J's to decide
    }

    @Override
    public void setBuildTimeStamp(String buildTimeStamp) {
        // not needed
    }

    @Override
    public void setStackProperties(Properties stackProperties) {
        // configured through SLF4J
    }

    @Override
    public String getLoggerName() {
        return log.getName();
    }

    @Override
    public void closeLogFile() {
        // no file
    }

    @Override
    public void logMessage(SIPMessage message, String from, String to, boolean sender, long time) {
        if (messages.isTraceEnabled()) {
            messages.trace("{} {} -> {}\n{}", sender ? "sent" : "received", from, to, message.encode());
        }
    }

    @Override
    public void logMessage(SIPMessage message, String from, String to, String status, boolean sender, long time) {
        logMessage(message, from, to, sender, time);
    }

    @Override
    public void logMessage(SIPMessage message, String from, String to, String status, boolean sender) {
        logMessage(message, from, to, sender, 0);
    }

    @Override
    public void logException(Exception ex) {
        log.warn("SIP stack exception", ex);
    }

    @Override
    public void setSipStack(SipStack sipStack) {
        // not needed
    }
}
