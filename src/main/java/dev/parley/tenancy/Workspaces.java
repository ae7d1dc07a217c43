package dev.parley.tenancy;

import dev.parley.error.Problem;
import dev.parley.store.Ids;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * An organization's workspaces: create, list, rename, delete. The same for the API and the CLI.
 * Changes lock the organization's row, so two concurrent deletes cannot remove its last workspace.
 *
 * <p>Delete is refused while the workspace has calls not yet over, and keeps the rows (see V10):
 * its id is refused by authentication from then on and keys limited to it are revoked. A
 * create-call that passed authentication just before the delete committed can still insert its
 * call after it (the insert does not lock the workspace row, on purpose: see the schema notes).
 */
public final class Workspaces {
    private final Jdbi jdbi;
    private final TenancyStore store;

    public Workspaces(Jdbi jdbi) {
        this.jdbi = jdbi;
        this.store = new TenancyStore(jdbi);
    }

    public TenancyStore.Workspace create(String organizationId, String name) {
        String checked = Names.check("name", name);
        return jdbi.inTransaction(h -> {
            lockOrganization(h, organizationId);
            return store.createWorkspace(h, organizationId, checked);
        });
    }

    public List<TenancyStore.Workspace> list(String organizationId) {
        return jdbi.withHandle(h -> store.workspaces(h, organizationId));
    }

    public TenancyStore.Workspace rename(String organizationId, String workspaceId, String name) {
        String checked = Names.check("name", name);
        return jdbi.inTransaction(h -> {
            lockOrganization(h, organizationId);
            TenancyStore.Workspace ws = find(h, organizationId, workspaceId);
            store.renameWorkspace(h, ws.id(), checked);
            return new TenancyStore.Workspace(ws.id(), ws.organizationId(), checked, ws.createdAt());
        });
    }

    public TenancyStore.Workspace delete(String organizationId, String workspaceId) {
        return jdbi.inTransaction(h -> {
            lockOrganization(h, organizationId);
            TenancyStore.Workspace ws = find(h, organizationId, workspaceId);
            if (store.workspaces(h, organizationId).size() <= 1) {
                throw Problem.conflict("last_workspace", "Workspace " + ws.id() + " is the organization's only one;"
                        + " create another first (POST /v1/admin/workspaces), since every request names a workspace");
            }
            long live = store.liveCalls(h, ws.id());
            if (live > 0) {
                throw Problem.conflict("workspace_has_live_calls", "Workspace " + ws.id() + " has " + live
                        + " call(s) not yet over (queued, ringing or in progress); hang them up"
                        + " (POST /v1/admin/assistant/call/{call_id}/hangup) or let them end, then delete it again");
            }
            store.deleteWorkspace(h, ws.id());
            return ws;
        });
    }

    static String checkId(String field, String id) {
        String s = id == null ? "" : id.strip();
        if (!Ids.isValid(s)) {
            throw Problem.invalid(field, "A workspace id is 24 hexadecimal characters (GET /v1/admin/workspaces lists them)");
        }
        return s;
    }

    private TenancyStore.Workspace find(Handle h, String organizationId, String workspaceId) {
        String id = checkId("workspace_id", workspaceId);
        return store.lockWorkspace(h, organizationId, id).orElseThrow(() -> Problem.notFound("workspace_not_found",
                "No workspace " + id + " in this organization; GET /v1/admin/workspaces lists them"));
    }

    private static void lockOrganization(Handle h, String organizationId) {
        h.createQuery("SELECT id FROM organizations WHERE id = :id FOR UPDATE").bind("id", organizationId).mapTo(String.class)
                .findOne().orElseThrow(() -> Problem.notFound("organization_not_found", "No organization " + organizationId));
    }
}
