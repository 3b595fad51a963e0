/**
 * The embed job: items/ to item_vectors/ (a Word2Vec text vector, the supplied vector, and their
 * combination), with the fitted Word2Vec model saved and checksummed under embeddings/.
 */
package io.attnflow.jobs.embed;
