package dev.parley.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.error.JsonFields;
import dev.parley.error.Problem;
import dev.parley.tenancy.AuthException;
import dev.parley.tenancy.Authenticator;
import dev.parley.tenancy.DashboardSessions;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;
import java.util.Set;

/**
 * Signing in to the dashboard: an API key in, a session cookie out (HttpOnly, SameSite=Strict, Secure
 * when the page came over https), and the CSRF token the page sends with every change.
 */
final class DashboardRoutes {
    static final String COOKIE = "parley_session";
    static final String CSRF_HEADER = "X-CSRF-Token";

    private final Authenticator auth;
    private final DashboardSessions sessions;
    private final Envelope envelope;
    private final ObjectMapper json;

    DashboardRoutes(Authenticator auth, DashboardSessions sessions, Envelope envelope, ObjectMapper json) {
        this.auth = auth;
        this.sessions = sessions;
        this.envelope = envelope;
        this.json = json;
    }

    void signIn(Context ctx) {
        ObjectNode body = JsonFields.object(RequestBody.json(ctx, json), "");
        JsonFields.rejectUnknown(body, "", Set.of("api_key"));
        DashboardSessions.Opened opened = auth.signIn(JsonFields.requiredString(body, "api_key", "", 200));
        Cookie cookie = new Cookie(COOKIE, opened.token(), "/", (int) DashboardSessions.LIFETIME.toSeconds(),
                RequestScheme.https(ctx), true, null, SameSite.STRICT);
        ctx.cookie(cookie);
        envelope.ok(ctx, "Signed in", view(opened.signedIn()));
    }

    /**
     * A page without the cookie has never signed in (or signed out): {@code not_signed_in}, which the
     * page answers with a plain form. A cookie that no longer works is refused as any route refuses it,
     * and the page shows why.
     */
    void current(Context ctx) {
        String token = ctx.cookie(COOKIE);
        if (token == null || token.isBlank()) {
            throw new Problem(Problem.Kind.UNAUTHORIZED, "not_signed_in",
                    "Not signed in: sign in with an API key (POST /v1/dashboard/session)");
        }
        envelope.ok(ctx, "Session fetched successfully", view(auth.session(token)));
    }

    void signOut(Context ctx) {
        String token = ctx.cookie(COOKIE);
        DashboardSessions.Session session = sessions.find(token).orElseThrow(() -> new AuthException(
                "Not signed in: there is no session to sign out of"));
        if (!DashboardSessions.csrfMatches(session, ctx.header(CSRF_HEADER))) {
            throw Problem.forbidden("csrf_token_invalid", "Signing out takes the session's CSRF token"
                    + " in the X-CSRF-Token header; reload the dashboard");
        }
        sessions.signOut(token);
        ctx.cookie(new Cookie(COOKIE, "", "/", 0, RequestScheme.https(ctx), true, null, SameSite.STRICT));
        ObjectNode data = json.createObjectNode();
        data.put("signed_out", true);
        envelope.ok(ctx, "Signed out", data);
    }

    private ObjectNode view(DashboardSessions.SignedIn signedIn) {
        DashboardSessions.Session s = signedIn.session();
        ObjectNode o = json.createObjectNode();
        o.put("organization_id", s.organizationId());
        o.put("organization_name", s.organizationName());
        o.put("api_key_id", s.keyId());
        if (s.workspaceScope() == null) {
            o.putNull("workspace_scope");
        } else {
            o.put("workspace_scope", s.workspaceScope());
        }
        o.put("csrf_token", s.csrfToken());
        o.put("expires_at", s.expiresAt().toString());
        ArrayNode items = o.putArray("workspaces");
        for (var ws : signedIn.workspaces()) {
            ObjectNode w = items.addObject();
            w.put("workspace_id", ws.id());
            w.put("name", ws.name());
        }
        return o;
    }
}
