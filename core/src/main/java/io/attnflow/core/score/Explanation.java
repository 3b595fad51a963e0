package io.attnflow.core.score;

/**
 * One history item behind a pick: its α with the picked candidate, its weight w_i, and its share
 * of the score, w_i α_ij / Σ w (the contributions of all history items sum to the score).
 */
public record Explanation(int item, float alpha, float weight, float contribution) implements java.io.Serializable {}
