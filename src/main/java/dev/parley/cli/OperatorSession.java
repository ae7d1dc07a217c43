package dev.parley.cli;

import dev.parley.store.Database;
import dev.parley.store.Ids;
import dev.parley.tenancy.TenancyStore;
import java.util.Map;

/**
 * What {@code parley keys} and {@code parley workspaces} act with: the database (borrowed from a
 * running {@code serve}, or started for the command, as {@code init} does) and the organization,
 * the one named by {@code --organization} or else the first one, which {@code init} made.
 */
final class OperatorSession implements AutoCloseable {
    final Database database;
    final String organizationId;

    private OperatorSession(Database database, String organizationId) {
        this.database = database;
        this.organizationId = organizationId;
    }

    static OperatorSession open(ConfigOptions options, String organization) {
        Database db = Database.open(options.load(Map.of()), true, null);
        try {
            TenancyStore store = new TenancyStore(db.jdbi());
            String org = db.jdbi().withHandle(h -> {
                if (organization != null) {
                    if (!Ids.isValid(organization) || store.organization(h, organization).isEmpty()) {
                        throw new IllegalStateException("no organization '" + organization + "' in this database");
                    }
                    return organization;
                }
                return store.firstOrganization(h).map(TenancyStore.Organization::id).orElseThrow(() ->
                        new IllegalStateException("this database has no organization yet; run 'parley init' first"));
            });
            return new OperatorSession(db, org);
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    @Override
    public void close() {
        database.close();
    }
}
