package dev.parley.ai.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.models.chat.completions.ChatCompletionMessageParam;
import dev.parley.ai.Responder;
import dev.parley.ai.flow.Template;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One call's conversation with the model. The history sent with each request is rebuilt from the
 * transcript the conversation keeps (turns as the caller heard them), with this session's own notes
 * placed where they happened: keys pressed, silences, a failed transfer, and the tool calls and
 * their results, which the transcript does not hold but the model must see again next turn (it
 * would otherwise look the order up twice, or forget it already pressed 1).
 *
 * <p>{@code respond} runs on the conversation's thread; a reply's tool round adds its notes from
 * the reply's thread, hence the lock.
 */
final class CallSession implements Responder.Session {
    /**
     * Appended to the assistant's {@code system_prompt}: without it a model reads "[the caller
     * pressed 1]" as something the caller said, and may speak the bracketed notes aloud.
     */
    static final String PHONE_NOTE = "\n\nYou are speaking with the caller on a phone call; what you write is"
            + " spoken aloud, so write plain sentences without lists or formatting. Text in square brackets is a"
            + " note from the phone system, not words anyone said: never say such notes aloud.";
    /** Marks a line of ours the caller cut off: the model should not believe the rest was heard. */
    static final String INTERRUPTED = " [the caller interrupted here; the rest was not heard]";
    static final String UNCLEAR = "[the caller said something that could not be understood]";
    static final String ANSWERED = "[the call has just been answered; say your opening line]";

    private record Note(int at, ChatCompletionMessageParam message) {}

    private final String callId;
    private final JsonNode variables;
    private final OpenAiResponder setup;
    private final Failover failover;
    private final String system;
    private final List<Note> notes = new ArrayList<>(); // guarded by this
    private volatile boolean ended;

    CallSession(String callId, JsonNode variables, OpenAiResponder setup) {
        this.callId = callId;
        this.variables = variables;
        this.setup = setup;
        this.failover = new Failover(setup.routes(), setup.options(), setup.usage());
        this.system = Template.lenient(setup.config().systemPrompt()).render(variables) + PHONE_NOTE;
    }

    @Override
    public Responder.Reply respond(Responder.Input input, List<Responder.Turn> transcript) {
        if (ended) {
            return Responder.Reply.of(List.of());
        }
        int at = transcript.size();
        List<ChatCompletionMessageParam> now = new ArrayList<>();
        switch (input) {
            case Responder.Input.Answered a -> {
                String first = setup.config().firstMessage();
                if (!first.isBlank()) {
                    // A fixed opening line needs no model: said at once, and heard as the transcript's first turn.
                    String line = Template.lenient(first).render(variables).strip();
                    return Responder.Reply.of(List.of(new Responder.Part.Say(line, true), listen()));
                }
                if (!endsWithCaller(transcript)) {
                    note(at, ANSWERED);
                }
            }
            // The conversation adds the caller's turn to the transcript before asking; a caller of
            // this API that did not still gets the words to the model, once.
            case Responder.Input.Heard h -> {
                if (!endsWithCaller(transcript) || !transcript.getLast().text().strip().equals(h.text().strip())) {
                    now.add(Messages.user(h.text().isBlank() ? UNCLEAR : h.text()));
                }
            }
            case Responder.Input.Digit d -> note(at, "[the caller pressed the key " + d.digit() + " on their phone]");
            case Responder.Input.NoInput n -> note(at, "[the caller has said nothing for "
                    + setup.config().turnTaking().noInputTimeoutSeconds() + " seconds]");
            case Responder.Input.TransferFailed t -> note(at, "[the transfer to " + t.destination() + " failed ("
                    + t.why() + "); the caller is still on the line with you]");
        }
        List<ChatCompletionMessageParam> messages = history(transcript);
        messages.addAll(now);
        return new StreamedReply(callId, out -> new ModelReply(this, at, messages).run(out));
    }

    /** The system prompt, then the transcript as heard with this session's notes where they happened. */
    private List<ChatCompletionMessageParam> history(List<Responder.Turn> transcript) {
        List<ChatCompletionMessageParam> out = new ArrayList<>();
        out.add(Messages.system(system));
        List<Note> placed;
        synchronized (this) {
            placed = List.copyOf(notes);
        }
        int n = 0;
        for (int i = 0; i <= transcript.size(); i++) {
            while (n < placed.size() && placed.get(n).at() <= i) {
                out.add(placed.get(n++).message());
            }
            if (i < transcript.size()) {
                out.add(message(transcript.get(i)));
            }
        }
        return out;
    }

    private static ChatCompletionMessageParam message(Responder.Turn t) {
        return switch (t.speaker()) {
            case caller -> Messages.user(t.text().isBlank() ? UNCLEAR : t.text());
            case assistant -> Messages.assistant(t.interrupted() ? t.text() + INTERRUPTED : t.text());
        };
    }

    private static boolean endsWithCaller(List<Responder.Turn> transcript) {
        return !transcript.isEmpty() && transcript.getLast().speaker() == Responder.Turn.Speaker.caller;
    }

    private void note(int at, String text) {
        notes(at, List.of(Messages.user(text)));
    }

    /** Adds messages to the history after the transcript's first {@code at} turns. */
    synchronized void notes(int at, List<ChatCompletionMessageParam> messages) {
        for (ChatCompletionMessageParam m : messages) {
            int i = notes.size();
            while (i > 0 && notes.get(i - 1).at() > at) {
                i--;
            }
            notes.add(i, new Note(at, m));
        }
    }

    Responder.Part.Listen listen() {
        return new Responder.Part.Listen(List.of(), Duration.ofSeconds(setup.config().turnTaking().noInputTimeoutSeconds()));
    }

    void ended() {
        ended = true;
    }

    String callId() {
        return callId;
    }

    JsonNode variables() {
        return variables;
    }

    OpenAiResponder setup() {
        return setup;
    }

    Failover failover() {
        return failover;
    }

    @Override
    public void close() {
        failover.close();
    }
}
