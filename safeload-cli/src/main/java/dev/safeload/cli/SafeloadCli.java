package dev.safeload.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code safeload} command. Exit codes: 0 when every model verified, 1 when any was rejected, 2 on
 * usage or I/O errors.
 */
@Command(name = "safeload", mixinStandardHelpOptions = true, version = "safeload 0.1.0",
        description = "Vets machine-learning model files without executing anything from them.",
        subcommands = {VerifyCommand.class})
public final class SafeloadCli implements Runnable {

    /** Exit code when every model verified. */
    static final int EXIT_VERIFIED = 0;
    /** Exit code when any model was rejected. */
    static final int EXIT_REJECTED = 1;
    /** Exit code for usage and I/O errors. */
    static final int EXIT_ERROR = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: verify");
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code, without exiting (for tests). */
    static int execute(String... args) {
        CommandLine commandLine = new CommandLine(new SafeloadCli());
        commandLine.setExitCodeExceptionMapper(e -> EXIT_ERROR);
        commandLine.setParameterExceptionHandler((e, a) -> {
            e.getCommandLine().getErr().println(e.getMessage());
            e.getCommandLine().usage(e.getCommandLine().getErr());
            return EXIT_ERROR;
        });
        return commandLine.execute(args);
    }
}
