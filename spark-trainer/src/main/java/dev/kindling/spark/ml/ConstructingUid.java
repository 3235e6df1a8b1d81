// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark.ml;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The uid of a stage while its Spark superclass constructor runs. Spark's Scala stages take {@code uid} as a
 * constructor field, which Scala assigns before the superclass constructor; the shared Params that constructor
 * creates ({@code featuresCol}, {@code labelCol}...) read {@code uid()} to name their parent. A Java subclass can
 * assign nothing before {@code super()}, so its constructor hands the uid over here first ({@code this(begin(uid))})
 * and {@code uid()} answers from here until the stage keeps its {@link KindlingParamSet}, which ends the
 * construction ({@link KindlingParamSet#constructed}).
 */
final class ConstructingUid {
    /** A stack: a stage built inside another stage's constructor must not see the outer one's uid. */
    private static final ThreadLocal<Deque<String>> PENDING = ThreadLocal.withInitial(ArrayDeque::new);

    /** Proof that {@link #begin} ran; the private constructors take it so that no other path skips it. */
    static final class Token {
        private Token() {
        }
    }

    private static final Token TOKEN = new Token();

    private ConstructingUid() {
    }

    static Token begin(String uid) {
        if (uid == null || uid.isBlank()) {
            throw new IllegalArgumentException("a Spark ML stage needs a non-empty uid");
        }
        PENDING.get().push(uid);
        return TOKEN;
    }

    /** The uid of the stage under construction on this thread. */
    static String current() {
        String uid = PENDING.get().peek();
        if (uid == null) {
            throw new IllegalStateException("no Kindling stage is being constructed on this thread");
        }
        return uid;
    }

    /** Ends the construction begun by {@link #begin} and returns its uid. */
    static String end() {
        return PENDING.get().pop();
    }
}
