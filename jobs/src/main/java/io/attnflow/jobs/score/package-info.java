/**
 * The nightly scoring job: histories as of a day, the broadcast model (or item blocks), the core
 * kernel per user partition, and the BI tables {@code recommendations/} and {@code attention/}.
 */
package io.attnflow.jobs.score;
