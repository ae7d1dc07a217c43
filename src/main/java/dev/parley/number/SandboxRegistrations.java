package dev.parley.number;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** Softphones registered to the sandbox, by workspace and E.164 number, in PostgreSQL so any node can ring them. */
public final class SandboxRegistrations {
    private final Jdbi jdbi;

    public SandboxRegistrations(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public void register(String workspaceId, String number, String contact, String source, Duration expires) {
        jdbi.useHandle(h -> h.createUpdate("""
                        INSERT INTO sandbox_registrations (workspace_id, number, contact, source, expires_at)
                        VALUES (:ws, :n, :c, :s, now() + make_interval(secs => :e))
                        ON CONFLICT (workspace_id, number) DO UPDATE
                           SET contact = excluded.contact, source = excluded.source, expires_at = excluded.expires_at, updated_at = now()""")
                .bind("ws", workspaceId).bind("n", number).bind("c", contact).bind("s", source).bind("e", expires.toSeconds())
                .execute());
    }

    public void unregister(String workspaceId, String number) {
        jdbi.useHandle(h -> h.execute("DELETE FROM sandbox_registrations WHERE workspace_id = ? AND number = ?", workspaceId, number));
    }

    /** The contact URI of a live registration. */
    public Optional<String> contactOf(String workspaceId, String number) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT contact FROM sandbox_registrations WHERE workspace_id = :ws AND number = :n AND expires_at > now()""")
                .bind("ws", workspaceId).bind("n", number).mapTo(String.class).findOne());
    }

    /** A softphone registered now. */
    public record Registration(String number, Instant expiresAt) {}

    /** The workspace's live registrations, by number. */
    public List<Registration> registered(String workspaceId) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT number, expires_at FROM sandbox_registrations
                         WHERE workspace_id = :ws AND expires_at > now() ORDER BY number LIMIT 1000""")
                .bind("ws", workspaceId)
                .map((rs, ctx) -> new Registration(rs.getString(1), rs.getTimestamp(2).toInstant())).list());
    }
}
