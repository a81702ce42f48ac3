package dev.scorch.collector.cli;

import java.io.PrintStream;
import java.util.List;

/** One {@code scorch-collector <name> ...} command. */
public interface Subcommand {

    /** The word after {@code scorch-collector}. */
    String name();

    /** One line for the command list. */
    String summary();

    /**
     * The full usage text, options included, naming the program {@code scorch-collector}; Main
     * puts in the name the user typed.
     */
    String usage();

    /**
     * Runs the command; {@link CommandLine#parse} reads the options.
     *
     * @param args the arguments after the command name
     * @return the process exit status
     * @throws UsageException when the arguments are wrong; Main prints the message and the usage
     */
    int run(List<String> args, PrintStream out, PrintStream err) throws Exception;
}
