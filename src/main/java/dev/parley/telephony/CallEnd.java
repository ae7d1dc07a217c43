package dev.parley.telephony;

import dev.parley.call.CallStatus;

/**
 * How a call ended, in the API's vocabulary: the final status, the {@code ended_reason} (DESIGN.md's
 * small set) and the raw SIP or carrier code when there was one.
 */
public record CallEnd(CallStatus status, String endedReason, Integer sipCode, String detail) {}
