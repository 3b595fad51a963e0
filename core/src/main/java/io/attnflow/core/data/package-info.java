/**
 * The values that cross attnflow's boundaries: interactions and items as the warehouse stores
 * them. Identifiers are strings everywhere; dense indices exist only inside a model.
 */
package io.attnflow.core.data;
