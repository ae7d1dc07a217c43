package dev.parley.ai.openai;

import dev.parley.ai.Responder;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A reply produced on a virtual thread of its own, read part by part. {@link #close} (barge-in)
 * interrupts the producer: every wait it can be in (a stream's next chunk, a retry's pause, a tool's
 * answer) gives up at once and closes its HTTP request on the way out.
 */
final class StreamedReply implements Responder.Reply {
    private static final Logger log = LoggerFactory.getLogger(StreamedReply.class);
    private static final Responder.Part END = new Responder.Part.Say("", false);

    /** Where the producer puts parts; {@code put} throws once the reply is closed. */
    interface Parts {
        void put(Responder.Part part) throws InterruptedException;
    }

    interface Producer {
        void produce(Parts out) throws InterruptedException;
    }

    private final LinkedBlockingQueue<Responder.Part> parts = new LinkedBlockingQueue<>();
    private final Thread producer;
    private volatile boolean closed;

    StreamedReply(String callId, Producer body) {
        this.producer = Thread.ofVirtual().name("llm-reply-" + callId).start(() -> {
            try {
                body.produce(part -> {
                    if (closed || Thread.currentThread().isInterrupted()) {
                        throw new InterruptedException("the reply was closed");
                    }
                    parts.put(part);
                });
            } catch (InterruptedException e) {
                // closed: nobody reads what is left
            } catch (RuntimeException e) {
                log.error("The language-model reply failed", e);
            } finally {
                parts.add(END);
            }
        });
    }

    @Override
    public Responder.Part next() throws InterruptedException {
        if (closed) {
            return null;
        }
        Responder.Part p = parts.take();
        if (p == END || closed) {
            parts.add(END); // later calls see the end too
            return null;
        }
        return p;
    }

    @Override
    public void close() {
        closed = true;
        producer.interrupt();
        parts.add(END);
    }
}
