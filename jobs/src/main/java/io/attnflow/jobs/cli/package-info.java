/**
 * The command line: one picocli subcommand per job. A command parses, validates the configuration,
 * runs its job and prints one concise summary; only {@link io.attnflow.jobs.Main} exits.
 */
package io.attnflow.jobs.cli;
