/** The spark-submit application and its job configuration (being built). */
package dev.kindling.app;
