// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.registry;

import java.util.Collection;
import java.util.Locale;

/** "Did you mean ...?" for misspelt keys and names: the closest candidate by edit distance, if close enough. */
public final class Suggestions {
    private Suggestions() {
    }

    /** {@code " (did you mean 'x'?)"}, or an empty string when nothing is close. */
    public static String didYouMean(String given, Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        String g = normalize(given);
        for (String c : candidates) {
            int d = distance(g, normalize(c));
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
            }
        }
        // batch_size, batchSize and bacth-size all find batch-size; unrelated words find nothing.
        int allowed = Math.max(1, Math.min(3, g.length() / 3));
        if (best != null && bestDistance <= allowed) {
            return " (did you mean '" + best + "'?)";
        }
        // A word cut short (early_stop for early_stopping) finds the one candidate it begins.
        String only = null;
        for (String c : candidates) {
            if (g.length() >= 4 && normalize(c).startsWith(g)) {
                if (only != null) {
                    return "";
                }
                only = c;
            }
        }
        return only == null ? "" : " (did you mean '" + only + "'?)";
    }

    private static String normalize(String s) {
        return s.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
    }

    /** Levenshtein distance with adjacent transpositions counted as one edit. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
