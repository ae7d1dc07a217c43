package dev.parley.safeguards;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.error.JsonFields;
import dev.parley.error.Problem;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Calling hours: {@code {"start": "08:00", "end": "21:00"}} in the callee's local time, start
 * included, end excluded. A window whose end is before its start crosses midnight (22:00-06:00).
 *
 * <p><b>Several zones.</b> A number may map to several time zones (Alaska's +1907 spans two; a
 * Portuguese mobile may be on the mainland or the Azores). The window must then hold in all of them
 * at once. The next opening is found by checking the only instants at which a zone can go from
 * closed to open: its local start time on each day, and its offset transitions (a DST jump can land
 * inside the window). A local start time that falls in a DST gap opens at the gap's end; one that
 * falls in an overlap opens at its first occurrence.
 *
 * <p><b>When no instant satisfies every zone</b> (zones spread around the globe further than the
 * window allows: a short window, or zones like London, Singapore and Los Angeles), the call is still
 * placed, never refused, at the earliest instant when the window holds in as many of the zones as it
 * ever does: the strictest reading that can be met. Real numbers rarely get there: even every zone
 * of +1, from Guam to Newfoundland, shares 22:00-00:30 UTC of an 08:00-21:00 window.
 */
public record CallingWindow(LocalTime start, LocalTime end) {
    public static final CallingWindow DEFAULT = new CallingWindow(LocalTime.of(8, 0), LocalTime.of(21, 0));
    private static final Set<String> FIELDS = Set.of("start", "end");
    private static final Pattern HH_MM = Pattern.compile("([01][0-9]|2[0-3]):[0-5][0-9]");
    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("HH:mm");
    /** Far enough to see every zone open at least once after any DST change. */
    private static final int HORIZON_DAYS = 8;

    public CallingWindow {
        if (start.equals(end)) {
            throw new IllegalArgumentException("a calling window must not start and end at the same time");
        }
    }

    /**
     * How a call's calling hours are chosen where the workspace's can be overridden (an assistant's
     * {@code config.calling_window}, a request's {@code calling_window}): absent keeps the level
     * above, {@code null} turns the window off, an object replaces it.
     */
    public sealed interface Choice {
        record Inherit() implements Choice {}

        record Off() implements Choice {}

        record Use(CallingWindow window) implements Choice {}

        /** As stored: JSON {@code null} for off, the window's object, or nothing (SQL NULL) to inherit. */
        default String stored() {
            return switch (this) {
                case Inherit i -> null;
                case Off o -> "null";
                case Use u -> u.window().write().toString();
            };
        }
    }

    /** The choice in {@code node[field]}; {@code "workspace"} also means inherit (a PATCH's way back to it). */
    public static Choice choice(ObjectNode node, String field, String path) {
        if (!node.has(field)) {
            return new Choice.Inherit();
        }
        JsonNode raw = node.get(field);
        String where = JsonFields.join(path, field);
        if (raw.isNull()) {
            return new Choice.Off();
        }
        if (raw.isTextual() && raw.textValue().equals("workspace")) {
            return new Choice.Inherit();
        }
        return new Choice.Use(parse(raw, where));
    }

    /** A window object, checked, as written in {@code where} (e.g. {@code calling_window}). */
    public static CallingWindow parse(JsonNode raw, String where) {
        if (!raw.isObject()) {
            throw Problem.invalid(where, "'" + where + "' must be an object like {\"start\": \"08:00\", \"end\": \"21:00\"}"
                    + " (the callee's local time), or null to call at any hour");
        }
        ObjectNode node = (ObjectNode) raw;
        JsonFields.rejectUnknown(node, where, FIELDS);
        LocalTime start = time(node, "start", where);
        LocalTime end = time(node, "end", where);
        if (start.equals(end)) {
            throw Problem.invalid(where + ".end", "'" + where + ".end' must differ from its start; for no calling hours at all"
                    + " set '" + where + "' to null");
        }
        return new CallingWindow(start, end);
    }

    private static LocalTime time(ObjectNode node, String field, String where) {
        JsonNode v = node.get(field);
        String example = field.equals("start") ? "08:00" : "21:00";
        if (v == null || v.isNull()) {
            throw Problem.invalid(where + "." + field, "'" + where + "." + field + "' is required: HH:MM in the callee's"
                    + " local time, like " + example);
        }
        if (!v.isTextual() || !HH_MM.matcher(v.textValue().strip()).matches()) {
            throw Problem.invalid(where + "." + field, "'" + where + "." + field + "' must be HH:MM, like " + example);
        }
        return LocalTime.parse(v.textValue().strip());
    }

    /** The window as stored and shown. */
    public ObjectNode write() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("start", start.format(FORMAT));
        o.put("end", end.format(FORMAT));
        return o;
    }

    /** {@code 08:00-21:00}, for history entries. */
    public String label() {
        return start.format(FORMAT) + "-" + end.format(FORMAT);
    }

    /** Whether a local time of day lies in the window. */
    public boolean holdsAt(LocalTime local) {
        return start.isBefore(end)
                ? !local.isBefore(start) && local.isBefore(end)
                : !local.isBefore(start) || local.isBefore(end);
    }

    /**
     * The first instant from {@code at} on at which the window holds in every one of {@code zones}
     * ({@code at} itself when it does now); see the class comment for zones that never agree.
     */
    public Instant nextOpening(Instant at, List<ZoneId> zones) {
        int best = openIn(at, zones);
        if (best == zones.size()) {
            return at;
        }
        Instant bestAt = at;
        for (Instant candidate : candidates(at, zones)) {
            int open = openIn(candidate, zones);
            if (open == zones.size()) {
                return candidate;
            }
            if (open > best) {
                best = open;
                bestAt = candidate;
            }
        }
        return bestAt;
    }

    private int openIn(Instant at, List<ZoneId> zones) {
        int n = 0;
        for (ZoneId zone : zones) {
            if (holdsAt(LocalTime.ofInstant(at, zone))) {
                n++;
            }
        }
        return n;
    }

    /** Every instant after {@code at}, within the horizon, at which one of the zones may open. */
    private TreeSet<Instant> candidates(Instant at, List<ZoneId> zones) {
        TreeSet<Instant> out = new TreeSet<>();
        Instant until = at.plus(Duration.ofDays(HORIZON_DAYS));
        for (ZoneId zone : zones) {
            ZoneRules rules = zone.getRules();
            LocalDate day = LocalDate.ofInstant(at, zone);
            for (int d = 0; d <= HORIZON_DAYS; d++) {
                Instant open = opening(day.plusDays(d), zone, rules);
                if (open.isAfter(at)) {
                    out.add(open);
                }
            }
            for (ZoneOffsetTransition t = rules.nextTransition(at); t != null && t.getInstant().isBefore(until);
                 t = rules.nextTransition(t.getInstant())) {
                out.add(t.getInstant());
            }
        }
        return out;
    }

    private Instant opening(LocalDate day, ZoneId zone, ZoneRules rules) {
        LocalDateTime local = day.atTime(start);
        ZoneOffsetTransition t = rules.getTransition(local);
        if (t != null && t.isGap()) {
            return t.getInstant(); // the clock jumps over the start: open from the jump on
        }
        return ZonedDateTime.ofLocal(local, zone, null).toInstant(); // in an overlap: the first occurrence
    }
}
