/** The nightly run: ingest, train when needed, score the day, and check what was written. */
package io.attnflow.jobs.nightly;
