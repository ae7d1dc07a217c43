package dev.parley.call;

/**
 * One turn of a call's conversation. Offsets are milliseconds from the answer, on the recording's
 * timeline. {@code interrupted} turns were cut short by the caller; their text is what was played.
 *
 * @param speaker {@code assistant} or {@code caller}
 * @param error why a caller's turn has no text (e.g. no recognizer free), or null
 * @param latency how long the stages before an assistant's turn took, or null
 */
public record TranscriptTurn(int seq, String speaker, String text, long startMs, long endMs, boolean interrupted,
                             String error, TurnLatency latency) {}
