package dev.parley.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.tenancy.ApiKeyService;
import dev.parley.tenancy.TenancyStore;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.InstantSource;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code parley keys create|list|revoke}: the API's key routes for an operator with no working key. */
@Command(name = "keys", mixinStandardHelpOptions = true,
        description = "Create, list and revoke API keys, whether or not 'parley serve' is running on the same data dir.",
        subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Revoke.class})
final class KeysCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class Common {
        @Mixin
        ConfigOptions options;

        @Option(names = "--organization", paramLabel = "ID", description = "The organization (default: the first one, made by 'parley init')")
        String organization;

        @Option(names = "--json", description = "Print the result as JSON")
        boolean json;

        ApiKeyService keys(OperatorSession s) {
            return new ApiKeyService(s.database.jdbi(), () -> { }, InstantSource.system());
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create an API key; it is printed only this once.")
    static final class Create implements Callable<Integer> {
        @Mixin
        Common common;

        @Spec
        CommandSpec spec;

        @Option(names = "--name", required = true, paramLabel = "NAME", description = "What the key is for, e.g. \"billing service\"")
        String name;

        @Option(names = "--workspace", paramLabel = "ID", description = "Limit the key to this workspace (default: the whole organization)")
        String workspace;

        @Option(names = "--expires-at", paramLabel = "TIME", description = "When the key stops working, ISO 8601, e.g. 2027-01-31T00:00:00Z")
        String expiresAt;

        @Override
        public Integer call() {
            Optional<Instant> expires = Optional.ofNullable(expiresAt).map(Create::instant);
            try (OperatorSession s = OperatorSession.open(common.options, common.organization)) {
                TenancyStore.IssuedKey issued = common.keys(s).create(s.organizationId, name, Optional.ofNullable(workspace), expires);
                PrintWriter out = spec.commandLine().getOut();
                if (common.json) {
                    ObjectNode o = view(issued.key());
                    o.put("api_key", issued.token());
                    out.println(o);
                } else {
                    out.println("api_key_id: " + issued.key().id());
                    out.println("api_key:    " + issued.token());
                    out.println("The API key is shown only this once; keep it.");
                }
                out.flush();
            }
            return 0;
        }

        private static Instant instant(String text) {
            try {
                return OffsetDateTime.parse(text.strip()).toInstant();
            } catch (DateTimeParseException e) {
                throw new IllegalStateException("--expires-at must be a time in ISO 8601 with an offset, like 2027-01-31T00:00:00Z");
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the keys that are not revoked (never their secrets).")
    static final class ListKeys implements Callable<Integer> {
        @Mixin
        Common common;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            try (OperatorSession s = OperatorSession.open(common.options, common.organization)) {
                var keys = common.keys(s).list(s.organizationId);
                PrintWriter out = spec.commandLine().getOut();
                if (common.json) {
                    ArrayNode items = JsonNodeFactory.instance.arrayNode();
                    keys.forEach(k -> items.add(view(k)));
                    out.println(items);
                } else {
                    out.printf("%-16s  %-24s  %-24s  %-20s  %-20s  %s%n", "ID", "NAME", "WORKSPACE", "CREATED", "LAST USED", "EXPIRES");
                    for (TenancyStore.ApiKey k : keys) {
                        out.printf("%-16s  %-24s  %-24s  %-20s  %-20s  %s%n", k.id(), k.name(), k.workspaceId() == null ? "(all)" : k.workspaceId(),
                                minute(k.createdAt()), minute(k.lastUsedAt()), minute(k.expiresAt()));
                    }
                }
                out.flush();
            }
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Revoke a key: every node refuses it from its next request on.")
    static final class Revoke implements Callable<Integer> {
        @Mixin
        Common common;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "ID", description = "The key's id (the 16 hex characters after prl_), as 'parley keys list' shows it")
        String id;

        @Override
        public Integer call() {
            try (OperatorSession s = OperatorSession.open(common.options, common.organization)) {
                TenancyStore.ApiKey k = common.keys(s).revoke(s.organizationId, id);
                PrintWriter out = spec.commandLine().getOut();
                out.println(common.json ? view(k).toString() : "Revoked API key " + k.id() + " (" + k.name() + ") at " + k.revokedAt());
                out.flush();
            }
            return 0;
        }
    }

    static ObjectNode view(TenancyStore.ApiKey k) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("api_key_id", k.id());
        o.put("name", k.name());
        o.put("prefix", k.prefix());
        o.put("workspace_id", k.workspaceId());
        o.put("created_at", text(k.createdAt()));
        o.put("expires_at", text(k.expiresAt()));
        o.put("last_used_at", text(k.lastUsedAt()));
        o.put("revoked_at", text(k.revokedAt()));
        return o;
    }

    private static String text(Instant at) {
        return at == null ? null : at.toString();
    }

    private static String minute(Instant at) {
        return at == null ? "-" : at.toString().substring(0, 16).replace('T', ' ');
    }
}
