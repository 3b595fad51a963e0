/** Spark plumbing shared by the jobs: the session, the warehouse layout, small file-system helpers. */
package io.attnflow.jobs.spark;
