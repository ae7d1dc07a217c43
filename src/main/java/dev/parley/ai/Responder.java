package dev.parley.ai;

import dev.parley.call.EndReason;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;

/**
 * Decides what the assistant says: the offline conversation flow, or a language model.
 * {@link #start} opens one call's session; each {@link Input} (the call was answered, the caller
 * said something, pressed a key, or stayed silent) gets a {@link Reply}: a stream of text to speak
 * and actions, read part by part so a streaming model can start speaking before it has finished.
 */
public interface Responder {

    /** @param variables the call request's {@code variables}, for templates */
    Session start(String callId, JsonNode variables);

    interface Session extends AutoCloseable {
        /** @param transcript the conversation so far, oldest first */
        Reply respond(Input input, List<Turn> transcript);

        @Override
        default void close() {
        }
    }

    /** One finished turn of the conversation, as the responder sees it. */
    record Turn(Speaker speaker, String text, boolean interrupted) {
        public enum Speaker { assistant, caller }
    }

    /** What happened that needs an answer. */
    sealed interface Input {
        /** The call was answered (or, with {@code first_speaker: callee}, the callee spoke first). */
        record Answered() implements Input {}

        /** The caller said something; {@code text} is empty when nothing was understood. */
        record Heard(String text) implements Input {}

        record Digit(char digit) implements Input {}

        /** The caller said nothing for the listen step's no-input timeout. */
        record NoInput() implements Input {}

        /** A transfer the reply asked for was refused by the far end; the call goes on. */
        record TransferFailed(String destination, String why) implements Input {}
    }

    /** One reply, streamed. Closing it cancels whatever is left (barge-in). */
    interface Reply extends AutoCloseable {
        /** The next part, or {@code null} when the reply is complete (or closed). May block. */
        Part next() throws InterruptedException;

        @Override
        default void close() {
        }

        static Reply of(List<Part> parts) {
            var it = List.copyOf(parts).iterator();
            return () -> it.hasNext() ? it.next() : null;
        }
    }

    /** A piece of a reply. */
    sealed interface Part {
        /** Speak this; {@code interruptible} false for lines that must be heard whole (the closing line). */
        record Say(String text, boolean interruptible) implements Part {}

        /**
         * Listen for the caller now: what they are likely to say (grammar hints) and how long to wait
         * for them to start speaking before {@link Input.NoInput}.
         */
        record Listen(List<String> expect, Duration noInputTimeout) implements Part {}

        /** Hang up once everything said before has been played. */
        record EndCall(EndReason reason) implements Part {}

        /** Hand the call to another number or SIP URI. */
        record Transfer(String destination) implements Part {}

        /** Send these keys to the far end (RFC 4733), e.g. to work a phone menu. */
        record SendDtmf(String digits) implements Part {}

        /**
         * The responder could not answer (its provider and every fallback failed): the conversation
         * apologizes and ends the call {@code provider-error}, naming the provider in the history.
         */
        record Failed(dev.parley.ai.ProviderFailure failure) implements Part {}
    }
}
