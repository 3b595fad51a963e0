/** Ranking metrics for offline evaluation: ranks with deterministic ties, HR@K, NDCG@K. */
package io.attnflow.core.eval;
