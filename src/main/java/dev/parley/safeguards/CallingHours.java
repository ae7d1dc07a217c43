package dev.parley.safeguards;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.parley.number.PhoneNumbers;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The calling-hours rule (issue 14): a call is placed only while its {@link CallingWindow} holds
 * in the callee's local time ({@link PhoneNumbers#zones}); one created outside it waits for the next
 * opening. Applied twice: when the call is accepted (it is scheduled for the opening) and just
 * before it is dialed (settings may have changed, or the clock moved), both with the time from
 * {@link #now()}, so tests run a week in milliseconds.
 *
 * <p>Which window applies: the request's {@code calling_window}, else the assistant's
 * {@code config.calling_window}, else the workspace's; {@code null} at any level turns it off.
 * Calls that go to a softphone registered to the built-in sandbox reach no real person and are
 * exempt, unless the workspace sets {@code calling_window_applies_to_sandbox}. A call goes to the
 * sandbox when neither the node ({@code sip.trunk}) nor the workspace (a number of its own, see
 * PhoneNumberService) has a trunk for it; trunk calls are never exempt.
 */
public final class CallingHours {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final InstantSource clock;
    private final boolean nodeTrunk;

    /** @param nodeTrunk whether this node sends calls to a {@code sip.trunk} (then none goes to the sandbox) */
    public CallingHours(InstantSource clock, boolean nodeTrunk) {
        this.clock = clock;
        this.nodeTrunk = nodeTrunk;
    }

    public Instant now() {
        return clock.instant();
    }

    /** Why a call waits, and until when: the history entry says {@code note}. */
    public record Deferral(Instant opening, String note) {}

    /**
     * When a call due at {@code due} must wait for its window instead, the opening it waits for.
     *
     * @param ownTrunk the workspace has a number (with its trunk) for this call
     * @param sandboxIncluded the workspace's {@code calling_window_applies_to_sandbox}
     */
    public Optional<Deferral> defer(Optional<CallingWindow> window, String toNumber, boolean ownTrunk, boolean sandboxIncluded,
                                    Instant due) {
        return defer(window, PhoneNumbers.zones(toNumber), ownTrunk, sandboxIncluded, due);
    }

    /** As above, for a callee in {@code zones} ({@link PhoneNumbers#zones} of the number). */
    public Optional<Deferral> defer(Optional<CallingWindow> window, List<ZoneId> zones, boolean ownTrunk, boolean sandboxIncluded,
                                    Instant due) {
        if (window.isEmpty() || !applies(ownTrunk, sandboxIncluded)) {
            return Optional.empty();
        }
        Instant opening = window.get().nextOpening(due, zones);
        if (!opening.isAfter(due)) {
            return Optional.empty();
        }
        return Optional.of(new Deferral(opening, "outside calling hours " + window.get().label() + " " + label(zones)
                + "; scheduled for the next opening, " + opening.truncatedTo(ChronoUnit.SECONDS)));
    }

    /**
     * Whether calling hours bind a call at all: not when it goes to the sandbox (no trunk of the
     * node's or the workspace's own), unless the workspace includes sandbox calls.
     */
    public boolean applies(boolean ownTrunk, boolean sandboxIncluded) {
        return nodeTrunk || ownTrunk || sandboxIncluded;
    }

    /** A stored window: JSON text of the object, or SQL NULL / JSON null for none. */
    public static Optional<CallingWindow> stored(String json) {
        if (json == null) {
            return Optional.empty();
        }
        try {
            JsonNode node = JSON.readTree(json);
            return node == null || node.isNull() ? Optional.empty() : Optional.of(CallingWindow.parse(node, "calling_window"));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a stored calling_window is not JSON", e);
        }
    }

    private static String name(ZoneId zone) {
        return zone instanceof ZoneOffset ? "UTC (the number's time zone is unknown)" : zone.getId();
    }

    private static String label(List<ZoneId> zones) {
        if (zones.size() <= 3) {
            return zones.stream().map(CallingHours::name).collect(Collectors.joining(", "));
        }
        return zones.subList(0, 3).stream().map(CallingHours::name).collect(Collectors.joining(", "))
                + " and " + (zones.size() - 3) + " more time zones";
    }
}
