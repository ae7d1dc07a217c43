package dev.parley.telephony.twilio;

import dev.parley.call.CallStatus;
import dev.parley.number.CarrierNumber;
import dev.parley.number.PhoneNumberService;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** What the Twilio control plane reads and writes of a call: its options, Twilio's CallSid and code. */
final class TwilioCallStore {
    private final Jdbi jdbi;
    private final PhoneNumberService numbers;

    TwilioCallStore(Jdbi jdbi, PhoneNumberService numbers) {
        this.jdbi = jdbi;
        this.numbers = numbers;
    }

    /** @param machineDetection Twilio's MachineDetection mode when the assistant detects machines */
    record Options(int maxDurationSeconds, Optional<String> machineDetection) {}

    Options options(String callId) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT COALESCE((a.config->>'max_duration_seconds')::int, 600),
                               COALESCE((a.config->'voicemail'->>'detect')::boolean, false),
                               a.config->'voicemail'->>'action'
                          FROM calls c LEFT JOIN assistants a ON a.id = c.assistant_id WHERE c.id = :id""")
                .bind("id", callId)
                .map((rs, ctx) -> new Options(rs.getInt(1), !rs.getBoolean(2) ? Optional.<String>empty()
                        // A message after the beep needs the beep: DetectMessageEnd reports machine_end_beep.
                        : Optional.of("leave_message".equals(rs.getString(3)) ? "DetectMessageEnd" : "Enable")))
                .findOne().orElse(new Options(600, Optional.empty())));
    }

    void recordSid(String callId, String sid) {
        jdbi.useHandle(h -> h.execute("UPDATE calls SET carrier = 'twilio', carrier_call_id = ? WHERE id = ?", sid, callId));
    }

    void recordCode(String callId, String code) {
        jdbi.useHandle(h -> h.execute("UPDATE calls SET carrier_code = ? WHERE id = ?", code, callId));
    }

    /** The Twilio number a call was placed from, as its row names it now. */
    Optional<CarrierNumber.Twilio> numberOf(String callId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT workspace_id, from_number FROM calls WHERE id = :id")
                        .bind("id", callId).map((rs, ctx) -> new String[] {rs.getString(1), rs.getString(2)}).findOne())
                .flatMap(row -> numbers.routeFor(row[0], Optional.ofNullable(row[1])))
                .flatMap(n -> n instanceof CarrierNumber.Twilio t ? Optional.of(t) : Optional.empty());
    }

    /** Twilio's SID of a call it placed, if any. */
    Optional<String> sidOf(String callId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT carrier_call_id FROM calls WHERE id = :id AND carrier = 'twilio'")
                .bind("id", callId).mapTo(String.class).findOne());
    }

    /** Whether the call has its final status (or does not exist). */
    boolean isOver(String callId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT status FROM calls WHERE id = :id").bind("id", callId)
                .mapTo(String.class).findOne().flatMap(CallStatus::fromWire).map(CallStatus::isFinal).orElse(true));
    }
}
