package dev.parley.ai.tools;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * One entry of an assistant's {@code tool_config}, checked ({@link ToolConfig#parse}): what a language
 * model may do on a call besides talking. {@code end_call} is always offered, with or without an entry.
 */
public sealed interface Tool {
    /** The built-in functions' names; a custom function may not take one. */
    List<String> BUILT_IN = List.of("end_call", "transfer_call", "send_dtmf");

    /**
     * A custom function, run by the assistant owner's server: the model's arguments are POSTed to
     * {@code url}, signed like Parley's webhooks, and the answer goes back to the model.
     *
     * @param parameters the arguments' JSON schema (an object schema), given to the model as is
     */
    record Function(String name, String description, ObjectNode parameters, URI url, Duration timeout) implements Tool {}

    /** Hang up after the config's {@code end_message}. */
    record EndCall() implements Tool {}

    /** Hand the call over (SIP REFER) to one of these E.164 numbers or SIP URIs, and no other. */
    record TransferCall(List<String> destinations) implements Tool {
        public TransferCall {
            destinations = List.copyOf(destinations);
        }
    }

    /** Press keys on the far end's phone menu. */
    record SendDtmf() implements Tool {}
}
