package dev.parley.call;

import java.time.Instant;

/**
 * Why a queued call waits, and where it stands: shown as {@code queue} in the API's view of a call.
 *
 * @param reason {@code concurrency}, {@code rate}, {@code calling_hours}, {@code scheduled},
 *               {@code retry}, or {@code dialer} (due and within the workspace's limits: waiting for
 *               a dialing node to take it, normally a fraction of a second)
 * @param position 1 for the workspace's next call to be dialed; null while the call is not due yet
 * @param estimatedStartAt when it should be dialed, or null where that cannot be known (a call
 *                         waiting for live calls to end)
 */
public record QueuePlace(String reason, Long position, Instant estimatedStartAt) {}
