package dev.parley.call;

/**
 * How long it took the assistant to start answering, by stage, in milliseconds. {@code totalMs} runs
 * from the caller's last word (or the answer, for a greeting) to the first audio sent;
 * {@code platformMs} is what is left of it after the providers' and the endpointing's shares:
 * Parley's own overhead. A stage that did not happen is null.
 */
public record TurnLatency(Integer endpointingMs, Integer sttMs, Integer responderMs, Integer ttsMs, Integer platformMs,
                          Integer totalMs) {}
