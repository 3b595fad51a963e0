/**
 * Model folders in the warehouse ({@code models/<version>/}, {@code models/LATEST}): publishing a
 * folder assembled on the driver, promoting it atomically, and loading it back verified.
 */
package io.attnflow.jobs.model;
