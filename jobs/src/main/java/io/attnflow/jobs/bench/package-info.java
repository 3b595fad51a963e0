/** Job-level benchmarks, run as commands (never as tests): they print a table of figures. */
package io.attnflow.jobs.bench;
