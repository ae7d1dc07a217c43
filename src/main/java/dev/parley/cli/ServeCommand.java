package dev.parley.cli;

import dev.parley.Bootstrap;
import dev.parley.ParleyApp;
import dev.parley.config.ConfigLoader;
import dev.parley.config.ParleyConfig;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "serve", description = "Run the Parley platform (HTTP API on its database)", mixinStandardHelpOptions = true)
final class ServeCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Option(names = "--port", paramLabel = "PORT", description = "HTTP port (default 8080; 0 picks a free one)")
    String port;

    @Option(names = "--host", paramLabel = "ADDRESS", description = "Address to listen on (default 127.0.0.1; 0.0.0.0 for all)")
    String host;

    @Override
    public Integer call() throws InterruptedException {
        Map<String, String> extra = new HashMap<>();
        extra.put(ConfigLoader.HTTP_PORT, port);
        extra.put(ConfigLoader.HTTP_HOST, host);
        ParleyConfig config = options.load(extra);
        ParleyApp app = ParleyApp.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            stopped.countDown();
        }, "parley-shutdown"));
        PrintStream out = System.out;
        Bootstrap.firstStart(app.database()).ifPresent(t -> {
            out.println();
            out.println("First start: created a default organization, workspace and assistant.");
            out.println("  organization_id: " + t.organizationId());
            out.println("  workspace_id:    " + t.workspaceId());
            out.println("  assistant_id:    " + t.assistantId());
            out.println("  api_key:         " + t.apiKey().orElseThrow());
            out.println("The API key is shown only this once; keep it. 'parley init' issues another.");
            out.println();
        });
        long upMillis = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
        String where = config.database().embedded() ? "embedded PostgreSQL in " + config.embeddedDatabaseDir() : "external PostgreSQL";
        out.println("Dashboard: http://" + ParleyApp.reachable(config.http().host()) + ":" + app.port()
                + "/ (sign in with an API key)");
        out.println("Parley is serving on http://" + config.http().host() + ":" + app.port() + " (" + where
                + "), ready " + upMillis + " ms after the JVM started");
        out.flush();
        stopped.await();
        return 0;
    }
}
