package dev.parley.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.tenancy.TenancyStore;
import dev.parley.tenancy.Workspaces;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code parley workspaces create|list}: the API's workspace routes for an operator with no working key. */
@Command(name = "workspaces", mixinStandardHelpOptions = true,
        description = "Create and list workspaces, whether or not 'parley serve' is running on the same data dir.",
        subcommands = {WorkspacesCommand.Create.class, WorkspacesCommand.ListWorkspaces.class})
final class WorkspacesCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a workspace in the organization.")
    static final class Create implements Callable<Integer> {
        @Mixin
        KeysCommand.Common common;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "NAME", description = "Its name, e.g. \"staging\" or \"client-acme\"")
        String name;

        @Override
        public Integer call() {
            try (OperatorSession s = OperatorSession.open(common.options, common.organization)) {
                TenancyStore.Workspace ws = new Workspaces(s.database.jdbi()).create(s.organizationId, name);
                PrintWriter out = spec.commandLine().getOut();
                out.println(common.json ? view(ws).toString() : "workspace_id: " + ws.id() + "\nname:         " + ws.name());
                out.flush();
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the organization's workspaces.")
    static final class ListWorkspaces implements Callable<Integer> {
        @Mixin
        KeysCommand.Common common;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            try (OperatorSession s = OperatorSession.open(common.options, common.organization)) {
                var all = new Workspaces(s.database.jdbi()).list(s.organizationId);
                PrintWriter out = spec.commandLine().getOut();
                if (common.json) {
                    ArrayNode items = JsonNodeFactory.instance.arrayNode();
                    all.forEach(ws -> items.add(view(ws)));
                    out.println(items);
                } else {
                    out.printf("%-24s  %-20s  %s%n", "ID", "CREATED", "NAME");
                    all.forEach(ws -> out.printf("%-24s  %-20s  %s%n", ws.id(),
                            ws.createdAt().toString().substring(0, 16).replace('T', ' '), ws.name()));
                }
                out.flush();
            }
            return 0;
        }
    }

    private static ObjectNode view(TenancyStore.Workspace ws) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("workspace_id", ws.id());
        o.put("organization_id", ws.organizationId());
        o.put("name", ws.name());
        o.put("created_at", ws.createdAt().toString());
        return o;
    }
}
