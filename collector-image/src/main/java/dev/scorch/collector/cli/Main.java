package dev.scorch.collector.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * {@code scorch-collector <command> [options]}. Commands are listed in {@link #COMMANDS}; a new
 * one implements {@link Subcommand} and is added there. Messages name the program as the user
 * typed it: the launcher script passes its {@code $0} as the {@code scorch.command} system
 * property ({@code ./scorch}); the container image has none and is {@code scorch-collector}.
 */
public final class Main {

    /** Exit status for a wrong command line (sysexits EX_USAGE). */
    public static final int USAGE = 64;

    static final List<Subcommand> COMMANDS = List.of(new RecordCommand(), new RunCommand(), new PullCommand());

    /** How usage texts name the program; replaced by the name the user typed. */
    static final String DEFAULT_PROGRAM = "scorch-collector";

    private final String program;
    private final List<Subcommand> commands;

    Main(String program, List<Subcommand> commands) {
        this.program = program;
        this.commands = commands;
    }

    public static void main(String[] args) {
        String program = System.getProperty("scorch.command", DEFAULT_PROGRAM);
        System.exit(new Main(program.isBlank() ? DEFAULT_PROGRAM : program, COMMANDS).run(Arrays.asList(args), System.out, System.err));
    }

    int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty()) {
            err.println(program + ": missing command");
            printCommands(err);
            return USAGE;
        }
        if (args.getFirst().equals("--help") || args.getFirst().equals("help")) {
            printCommands(out);
            return 0;
        }
        Optional<Subcommand> command = commands.stream().filter(c -> c.name().equals(args.getFirst())).findFirst();
        if (command.isEmpty()) {
            err.println(program + ": unknown command '" + args.getFirst() + "'");
            printCommands(err);
            return USAGE;
        }
        List<String> rest = args.subList(1, args.size());
        if (rest.contains("--help")) {
            out.println(usage(command.get()));
            return 0;
        }
        try {
            return command.get().run(rest, out, err);
        } catch (UsageException e) {
            err.println(program + " " + command.get().name() + ": " + e.getMessage());
            err.println(usage(command.get()));
            return USAGE;
        } catch (Exception e) {
            err.println(program + " " + command.get().name() + ": " + e.getMessage());
            return 1;
        } catch (OutOfMemoryError e) {
            err.println(program + " " + command.get().name() + ": out of heap (" + e.getMessage()
                    + "); give the JVM more with SCORCH_JAVA_OPTS=-Xmx512m (./scorch) or -Xmx");
            return 1;
        }
    }

    private void printCommands(PrintStream stream) {
        stream.println("usage: " + program + " <command> [options]   (" + program + " <command> --help for its options)");
        for (Subcommand c : commands) {
            stream.printf("  %-8s %s%n", c.name(), c.summary());
        }
    }

    private String usage(Subcommand command) {
        return command.usage().replace(DEFAULT_PROGRAM + " ", program + " ");
    }
}
