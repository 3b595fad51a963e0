/**
 * The Spark side of attnflow: the command line ({@link io.attnflow.jobs.Main}), one package per job,
 * and the adapters that move data between Spark and the core library.
 */
package io.attnflow.jobs;
