/**
 * Item content as vectors: an item's words from its text fields, the weighted mean of their word
 * vectors (only the words the Word2Vec vocabulary knows), and the combination of that text vector
 * with a vector supplied with the item (an image or audio embedding made elsewhere).
 */
package io.attnflow.core.content;
