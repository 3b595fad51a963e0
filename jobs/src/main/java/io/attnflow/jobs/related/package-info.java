/** The related job: each item's most similar items ("more like this") to related/dt=…/. */
package io.attnflow.jobs.related;
