package dev.parley.call;

import java.time.Instant;

/** One status transition of a call: its history is the list of these. */
public record CallEvent(CallStatus status, String reason, Instant at) {}
