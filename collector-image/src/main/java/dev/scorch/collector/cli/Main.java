package dev.scorch.collector.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * {@code scorch-collector <command> [options]}. Commands are listed in {@link #COMMANDS}; a new
 * one implements {@link Subcommand} and is added there.
 */
public final class Main {

    /** Exit status for a wrong command line (sysexits EX_USAGE). */
    public static final int USAGE = 64;

    static final List<Subcommand> COMMANDS = List.of(new RecordCommand(), new RunCommand(), new PullCommand());

    private final List<Subcommand> commands;

    Main(List<Subcommand> commands) {
        this.commands = commands;
    }

    public static void main(String[] args) {
        System.exit(new Main(COMMANDS).run(Arrays.asList(args), System.out, System.err));
    }

    int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty() || args.getFirst().equals("--help") || args.getFirst().equals("help")) {
            printCommands(args.isEmpty() ? err : out);
            return args.isEmpty() ? USAGE : 0;
        }
        Optional<Subcommand> command = commands.stream().filter(c -> c.name().equals(args.getFirst())).findFirst();
        if (command.isEmpty()) {
            err.println("scorch-collector: unknown command '" + args.getFirst() + "'");
            printCommands(err);
            return USAGE;
        }
        List<String> rest = args.subList(1, args.size());
        if (rest.contains("--help")) {
            out.println(command.get().usage());
            return 0;
        }
        try {
            return command.get().run(rest, out, err);
        } catch (UsageException e) {
            err.println("scorch-collector " + command.get().name() + ": " + e.getMessage());
            err.println(command.get().usage());
            return USAGE;
        } catch (Exception e) {
            err.println("scorch-collector " + command.get().name() + ": " + e.getMessage());
            return 1;
        } catch (OutOfMemoryError e) {
            err.println("scorch-collector " + command.get().name() + ": out of heap (" + e.getMessage()
                    + "); give the JVM more with SCORCH_JAVA_OPTS=-Xmx512m (./scorch) or -Xmx");
            return 1;
        }
    }

    private void printCommands(PrintStream stream) {
        stream.println("usage: scorch-collector <command> [options]   (scorch-collector <command> --help for its options)");
        for (Subcommand c : commands) {
            stream.printf("  %-8s %s%n", c.name(), c.summary());
        }
    }
}
