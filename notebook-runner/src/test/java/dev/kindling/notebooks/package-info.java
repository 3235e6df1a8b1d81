/** The headless Zeppelin note runner and the test that runs every note in notebooks/ (being built). */
package dev.kindling.notebooks;
