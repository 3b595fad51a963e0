package io.attnflow.jobs.score;

import java.io.Serializable;

/**
 * What scoring knows of one user: the most recent m counted events (oldest first) and every item
 * the user has seen (never to be recommended again).
 */
record UserInput(String userId, String[] items, long[] ts, String[] events, String[] seen) implements Serializable {}
