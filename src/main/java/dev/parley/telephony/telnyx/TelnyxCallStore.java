package dev.parley.telephony.telnyx;

import dev.parley.number.CarrierNumber;
import java.util.Optional;
import java.util.function.BiFunction;
import org.jdbi.v3.core.Jdbi;

/**
 * {@link TelnyxCalls} in the call's row ({@code calls.carrier}, {@code carrier_call_id},
 * {@code carrier_code}). The number that verifies a webhook is found again the way the dialer
 * found it, by the call's workspace and {@code from_number}.
 */
public final class TelnyxCallStore implements TelnyxCalls {
    private final Jdbi jdbi;
    private final BiFunction<String, Optional<String>, Optional<CarrierNumber>> numbers;

    /** @param numbers the number a call is placed from, by workspace and requested {@code from_number} */
    public TelnyxCallStore(Jdbi jdbi, BiFunction<String, Optional<String>, Optional<CarrierNumber>> numbers) {
        this.jdbi = jdbi;
        this.numbers = numbers;
    }

    @Override
    public void placed(String callId, String callControlId) {
        jdbi.useHandle(h -> h.createUpdate("""
                        UPDATE calls SET carrier = 'telnyx', carrier_call_id = coalesce(:ccid, carrier_call_id) WHERE id = :id""")
                .bind("id", callId).bind("ccid", callControlId).execute());
    }

    @Override
    public void hungUp(String callId, String cause) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE calls SET carrier_code = :code WHERE id = :id")
                .bind("id", callId).bind("code", cause).execute());
    }

    @Override
    public Optional<Placed> find(String callId) {
        record Row(String workspaceId, String fromNumber, String status, String callControlId) {}
        Optional<Row> row = jdbi.withHandle(h -> h.createQuery("""
                        SELECT workspace_id, from_number, status, carrier_call_id FROM calls WHERE id = :id AND carrier = 'telnyx'""")
                .bind("id", callId)
                .map((rs, ctx) -> new Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)))
                .findOne());
        return row.flatMap(r -> numbers.apply(r.workspaceId().strip(), Optional.ofNullable(r.fromNumber()))
                .flatMap(n -> n instanceof CarrierNumber.Telnyx t ? Optional.of(t) : Optional.empty())
                .map(t -> new Placed(t, dev.parley.call.CallStatus.fromWire(r.status()).map(s -> s.isFinal()).orElse(false),
                        Optional.ofNullable(r.callControlId()))));
    }
}
