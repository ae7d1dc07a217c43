package dev.parley.support;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A real {@code parley serve} process on this build's classes, for tests that stop or kill a node. */
public final class ServeProcess {
    private static final Pattern SERVING = Pattern.compile("serving on http://[^:]+:(\\d+)");
    private static final Pattern DASHBOARD = Pattern.compile("^Dashboard: (\\S+)");
    private static final Pattern FIELD = Pattern.compile("^\\s+(organization_id|workspace_id|assistant_id|api_key):\\s+(\\S+)");
    /** The names a node's jobs and deliveries carry in {@code leased_by}, as it logs them at start. */
    private static final Pattern NAME = Pattern.compile("(Dialer|Webhook dispatcher) (node-\\w+) (claims calls|delivers events)");

    private ServeProcess() {}

    /** Starts {@code parley serve --port 0} with these options and environment (output and errors merged). */
    public static Process start(List<String> options, Map<String, String> environment) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        String classpath = "target/classes:" + Files.readString(Path.of("target/runtime.classpath")).strip();
        // C1 only: a node a test starts (and kills) lives seconds, and most of its start is JIT work on shared cores.
        List<String> command = new ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1", "-cp", classpath, "dev.parley.cli.Main", "serve",
                "--port", "0"));
        command.addAll(options);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(environment);
        pb.redirectErrorStream(true);
        return pb.start();
    }

    /**
     * Reads the node's output until it serves and returns its HTTP port; a first start's printed
     * credentials are put in {@code credentials} on the way, and so are, whenever the node logs them,
     * its dialer's and webhook dispatcher's names (keys {@code dialer} and {@code webhooks}; pass a
     * concurrent map to read those), and the dashboard's address it prints (key {@code dashboard}). The rest
     * of the output is drained.
     */
    public static int awaitServing(Process p, Map<String, String> credentials) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String line;
        while ((line = out.readLine()) != null && System.nanoTime() < deadline) {
            Matcher f = FIELD.matcher(line);
            if (f.find()) {
                credentials.put(f.group(1), f.group(2));
            }
            names(line, credentials);
            Matcher d = DASHBOARD.matcher(line);
            if (d.find()) {
                credentials.put("dashboard", d.group(1));
            }
            Matcher m = SERVING.matcher(line);
            if (m.find()) {
                Thread.ofVirtual().start(() -> out.lines().forEach(l -> { // keep draining its output
                    names(l, credentials);
                    System.err.println("SERVE: " + l);
                }));
                return Integer.parseInt(m.group(1));
            }
        }
        throw new AssertionError("parley serve did not start");
    }

    private static void names(String line, Map<String, String> into) {
        Matcher n = NAME.matcher(line);
        if (n.find()) {
            into.put(n.group(1).equals("Dialer") ? "dialer" : "webhooks", n.group(2));
        }
    }
}
