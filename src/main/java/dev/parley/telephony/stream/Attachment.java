package dev.parley.telephony.stream;

/** The socket a call's stream is attached to, a carrier's or a browser's: closed when the call is over. */
interface Attachment {
    void close();
}
