/**
 * Spark plumbing shared by the jobs: the session and where it runs ({@link io.attnflow.jobs.spark.Sessions},
 * {@link io.attnflow.jobs.spark.RunLocation}, attnflow's Spark properties merged into a cluster's by
 * {@link io.attnflow.jobs.spark.SparkDefaults}), the warehouse layout and its staged publishing, and the run
 * lock that keeps one ingest, and one scoring run per day, at a time.
 */
package io.attnflow.jobs.spark;
