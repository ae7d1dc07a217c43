package dev.parley.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.Bootstrap;
import dev.parley.config.ParleyConfig;
import dev.parley.store.Database;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "init", mixinStandardHelpOptions = true,
        description = "Create the default organization, workspace and assistant if missing, and issue a new API key."
                + " Works whether or not 'parley serve' is running on the same data dir.")
final class InitCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Option(names = "--json", description = "Print the result as one JSON object")
    boolean json;

    @Override
    public Integer call() {
        ParleyConfig config = options.load(Map.of());
        Bootstrap.Tenancy t;
        try (Database db = Database.open(config, true, null)) {
            t = Bootstrap.init(db);
        }
        if (json) {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("organization_id", t.organizationId());
            o.put("workspace_id", t.workspaceId());
            o.put("assistant_id", t.assistantId());
            o.put("api_key", t.apiKey().orElseThrow());
            System.out.println(o.toString());
        } else {
            System.out.println("organization_id: " + t.organizationId());
            System.out.println("workspace_id:    " + t.workspaceId());
            System.out.println("assistant_id:    " + t.assistantId());
            System.out.println("api_key:         " + t.apiKey().orElseThrow());
            System.out.println("The API key is shown only this once; keep it.");
        }
        return 0;
    }
}
