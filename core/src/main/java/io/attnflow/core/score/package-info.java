/**
 * Scoring: the blocked kernel that turns batches of user histories and blocks of candidate items
 * into per-user top-K lists with their explanations, without ever materialising users × items.
 */
package io.attnflow.core.score;
