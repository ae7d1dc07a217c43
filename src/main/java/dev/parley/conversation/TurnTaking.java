package dev.parley.conversation;

import java.time.Duration;

/**
 * How the conversation takes turns, per assistant ({@code config.turn_taking}).
 *
 * @param endpointingMs silence after speech that ends the caller's turn
 * @param bargeIn whether the caller may interrupt the assistant
 * @param bargeInMinMs how long the caller must speak over the assistant to interrupt it
 * @param minUtteranceMs shorter bursts of sound are noise (coughs, clicks), not a turn
 * @param vadThresholdDb how far above the adaptive noise floor a frame must be to count as speech
 * @param noInputTimeout how long to wait for the caller to start speaking when the flow does not say
 */
public record TurnTaking(int endpointingMs, boolean bargeIn, int bargeInMinMs, int minUtteranceMs, double vadThresholdDb,
                         Duration noInputTimeout) {
    public static final TurnTaking DEFAULTS = new TurnTaking(500, true, 150, 120, 10, Duration.ofSeconds(6));
}
