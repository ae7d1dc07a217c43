package dev.parley.cli;

import dev.parley.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "parley", mixinStandardHelpOptions = true, version = "Parley 0.1.0",
        description = "Self-hostable voice agents: an API that places phone calls and talks.",
        subcommands = {ServeCommand.class, InitCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new Main());
        // A setting or start-up problem is the user's to fix: print the message, not a stack trace.
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof ConfigException || e instanceof IllegalStateException) {
                commandLine.getErr().println("parley: " + e.getMessage());
                return 2;
            }
            throw e;
        });
        System.exit(cli.execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
