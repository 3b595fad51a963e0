/** JMH benchmarks of the scoring kernel against the sgemm it is built on, measured in the same run. */
package io.attnflow.bench;
