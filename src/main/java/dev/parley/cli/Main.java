package dev.parley.cli;

import dev.parley.config.ConfigException;
import dev.parley.error.Problem;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "parley", mixinStandardHelpOptions = true, version = "Parley 0.1.0",
        description = "Self-hostable voice agents: an API that places phone calls and talks.",
        subcommands = {ServeCommand.class, InitCommand.class, KeysCommand.class, WorkspacesCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line as {@code main} runs it; tests execute commands through it in-process. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        // A setting, start-up or input problem is the user's to fix: print the message, not a stack trace.
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof ConfigException || e instanceof IllegalStateException || e instanceof Problem) {
                commandLine.getErr().println("parley: " + e.getMessage());
                commandLine.getErr().flush();
                return 2;
            }
            throw e;
        });
        return cli;
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
