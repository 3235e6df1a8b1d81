/**
 * The data-parallel trainer on Apache Spark: the driver broadcasts the flat weight vector, each partition
 * computes the summed gradient of its share of the global mini-batch with the core engine, the sums are
 * tree-aggregated on the driver, and the driver applies the core optimizer. Not built yet: this module only
 * reserves its place in the build.
 */
package dev.kindling.spark;
