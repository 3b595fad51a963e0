/** The evaluate job: a model against baselines on its leave-one-out split, under two protocols. */
package io.attnflow.jobs.evaluate;
