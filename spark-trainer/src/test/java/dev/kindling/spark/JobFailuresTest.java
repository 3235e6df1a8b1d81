// SPDX-License-Identifier: Apache-2.0
package dev.kindling.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Reading the exception behind a failed job: as a cause (one JVM) and as text (a remote executor). */
class JobFailuresTest {

    @Test
    void aCauseIsFoundAlongTheChain() {
        Exception failure = new RuntimeException("job aborted", new IllegalStateException("task failed",
                new DataException("column 'label', row 7: expected a number, got 'x'")));
        assertEquals("column 'label', row 7: expected a number, got 'x'",
                JobFailures.messageOf(failure, DataException.class));
        assertEquals("column 'label', row 7: expected a number, got 'x'", DataException.unwrap(failure).getMessage());
    }

    @Test
    void aRemoteExceptionIsReadFromItsLineInTheJobFailure() {
        Exception failure = new RuntimeException("Job aborted due to stage failure: Task 3 in stage 2.0 failed 4 times,"
                + " most recent failure: Lost task 3.3 (TID 9) (10.0.0.5 executor 2): dev.kindling.spark.DataException:"
                + " column 'pixels', row 12: expected 784 values, got 783\n\tat dev.kindling.spark.Rows.parse(Rows.java:1)");
        assertEquals("column 'pixels', row 12: expected 784 values, got 783",
                JobFailures.messageOf(failure, DataException.class));
        assertTrue(DataException.unwrap(failure) instanceof DataException);
    }

    @Test
    void aLostBlockIsRecognisedEitherWay() {
        Exception local = new RuntimeException("job", new CachedBlocks.LostBlockException("packed block 3 is gone"));
        assertTrue(CachedBlocks.lostBlock(local));
        Exception remote = new RuntimeException("Lost task 0.0: " + CachedBlocks.LostBlockException.class.getName()
                + ": packed block 3 is in no block manager");
        assertTrue(CachedBlocks.lostBlock(remote));
        assertFalse(CachedBlocks.lostBlock(new RuntimeException("executor lost")));
    }

    @Test
    void anythingElseIsNotADataProblem() {
        IllegalStateException other = new IllegalStateException("out of disk");
        assertNull(JobFailures.messageOf(other, DataException.class));
        assertSame(other, DataException.unwrap(other));
    }
}
