/**
 * Configuration: HOCON files layered over the jobs jar's {@code reference.conf}, turned into one
 * typed, validated settings record per job. Every problem (unknown key, wrong type, value out of
 * range) is collected and reported at once, before any Spark work starts.
 */
package io.attnflow.jobs.config;
