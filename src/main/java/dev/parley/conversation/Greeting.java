package dev.parley.conversation;

import dev.parley.ai.Responder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The assistant's first words, asked for and synthesized while the phone rings (on a thread of its
 * own), so the greeting's first frame goes out on the first tick after the answer: its lines are
 * synthesized ahead by the call's {@link WarmVoice}, and the greeting's utterances play them.
 */
final class Greeting {
    private static final Logger log = LoggerFactory.getLogger(Greeting.class);

    private final Thread thread;
    private volatile List<Responder.Part> parts;

    private Greeting(String callId, Responder.Session responder, WarmVoice voice, Runnable done) {
        this.thread = Thread.ofVirtual().name("greeting-" + callId).start(() -> {
            try {
                prepare(responder, voice);
            } finally {
                done.run();
            }
        });
    }

    /** Starts preparing; {@code done} runs once the greeting is ready (or failed). */
    static Greeting prepare(String callId, Responder.Session responder, WarmVoice voice, Runnable done) {
        return new Greeting(callId, responder, voice, done);
    }

    private void prepare(Responder.Session responder, WarmVoice voice) {
        List<Responder.Part> got = new ArrayList<>();
        try (Responder.Reply r = responder.respond(new Responder.Input.Answered(), List.of())) {
            Responder.Part p;
            while ((p = r.next()) != null) {
                got.add(p);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("The responder failed to produce the greeting", e);
        }
        for (Responder.Part p : got) {
            if (p instanceof Responder.Part.Say say) {
                voice.prefetch(say.text()); // made while it rings; the greeting's utterance plays it
            }
        }
        parts = got;
    }

    /**
     * The greeting's parts, once ready (normally long since: it was made while the phone rang);
     * null when it is not ready within {@code patience}, and the conversation asks afresh.
     */
    List<Responder.Part> await(Duration patience) {
        try {
            thread.join(patience);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return parts;
    }
}
