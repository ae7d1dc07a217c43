package dev.parley.dialer;

import dev.parley.call.CallStatus;
import dev.parley.call.CallTransitions;
import dev.parley.call.EndReason;
import dev.parley.error.Problem;
import dev.parley.tenancy.Tenant;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * {@code POST .../call/{id}/hangup}. A call that has not reached the wire is canceled at once
 * ({@code canceled / canceled}); one that has is asked to hang up through its dial job, and the node
 * holding it sends CANCEL (ringing) or BYE (answered) and records the outcome. Both happen with the
 * call row and its job locked, so a call is either canceled before it is dialed or hung up after,
 * never dialed after being canceled.
 */
public final class Hangups {
    private final Jdbi jdbi;
    private final CallTransitions transitions;
    private final Runnable wakeDialer;

    public Hangups(Jdbi jdbi, CallTransitions transitions, Runnable wakeDialer) {
        this.jdbi = jdbi;
        this.transitions = transitions;
        this.wakeDialer = wakeDialer;
    }

    public enum Outcome { CANCELED, HANGING_UP }

    public Outcome hangup(Tenant tenant, String callId) {
        Outcome outcome = jdbi.inTransaction(h -> {
            Optional<String> status = h.createQuery("SELECT status FROM calls WHERE id = :id AND workspace_id = :ws FOR UPDATE")
                    .bind("id", callId).bind("ws", tenant.workspaceId()).mapTo(String.class).findOne();
            if (status.isEmpty()) {
                throw Problem.notFound("call_not_found", "No call " + callId + " in this workspace");
            }
            if (CallStatus.fromWire(status.get()).orElseThrow().isFinal()) {
                throw Problem.conflict("call_already_ended", "Call " + callId + " has already ended (" + status.get() + ")");
            }
            Optional<Boolean> dialed = h.createQuery("SELECT dialed_at IS NOT NULL FROM dial_jobs WHERE call_id = :id FOR UPDATE")
                    .bind("id", callId).mapTo(Boolean.class).findOne();
            if (dialed.orElse(false)) {
                h.execute("UPDATE dial_jobs SET hangup_reason = 'api' WHERE call_id = ?", callId);
                return Outcome.HANGING_UP;
            }
            transitions.endIn(h, callId, EndReason.CANCELED, null, "canceled through the API before it was dialed");
            return Outcome.CANCELED;
        });
        if (outcome == Outcome.CANCELED) {
            transitions.committed();
        } else {
            wakeDialer.run();
        }
        return outcome;
    }
}
