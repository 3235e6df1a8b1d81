// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.blas;

import dev.ludovic.netlib.blas.BLAS;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BlasTest {

    /** Naive row-major reference: C := alpha * op(A) * op(B) + beta * C, accumulated in double. */
    private static void reference(boolean ta, boolean tb, int m, int n, int k, double alpha,
                                  double[] a, int ao, int lda, double[] b, int bo, int ldb,
                                  double beta, double[] c, int co, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    double x = ta ? a[ao + p * lda + i] : a[ao + i * lda + p];
                    double y = tb ? b[bo + j * ldb + p] : b[bo + p * ldb + j];
                    s += x * y;
                }
                c[co + i * ldc + j] = alpha * s + beta * c[co + i * ldc + j];
            }
        }
    }

    private static double[] random(Random rnd, int length) {
        double[] x = new double[length];
        for (int i = 0; i < length; i++) {
            x[i] = rnd.nextInt(17) / 4.0 - 2.0; // exact in float: products/sums stay exact for small k
        }
        return x;
    }

    private static float[] toFloat(double[] x) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            f[i] = (float) x[i];
        }
        return f;
    }

    /** One GEMM problem, row-major, with offsets and padded leading dimensions; padding holds junk that must stay untouched. */
    private record Case(boolean ta, boolean tb, int m, int n, int k, double alpha, double beta,
                        int ao, int lda, int bo, int ldb, int co, int ldc, double[] a, double[] b, double[] c) {
        static Case of(long seed, boolean ta, boolean tb, int m, int n, int k, double alpha, double beta,
                       int ao, int aPad, int bo, int bPad, int co, int cPad) {
            Random rnd = new Random(seed);
            int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
            int lda = Math.max(1, aCols) + aPad, ldb = Math.max(1, bCols) + bPad, ldc = Math.max(1, n) + cPad;
            return new Case(ta, tb, m, n, k, alpha, beta, ao, lda, bo, ldb, co, ldc,
                    random(rnd, ao + aRows * lda + 3), random(rnd, bo + bRows * ldb + 3),
                    random(rnd, co + m * ldc + 3));
        }

        double[] expected() {
            double[] e = c.clone();
            reference(ta, tb, m, n, k, alpha, a, ao, lda, b, bo, ldb, beta, e, co, ldc);
            return e;
        }

        double[] runDouble(BLAS blas) {
            double[] out = c.clone();
            if (blas == null) {
                Blas.dgemm(ta, tb, m, n, k, alpha, a, ao, lda, b, bo, ldb, beta, out, co, ldc);
            } else {
                Blas.dgemm(blas, ta, tb, m, n, k, alpha, a, ao, lda, b, bo, ldb, beta, out, co, ldc);
            }
            return out;
        }

        float[] runFloat(BLAS blas) {
            float[] out = toFloat(c);
            if (blas == null) {
                Blas.sgemm(ta, tb, m, n, k, (float) alpha, toFloat(a), ao, lda, toFloat(b), bo, ldb, (float) beta,
                        out, co, ldc);
            } else {
                Blas.sgemm(blas, ta, tb, m, n, k, (float) alpha, toFloat(a), ao, lda, toFloat(b), bo, ldb,
                        (float) beta, out, co, ldc);
            }
            return out;
        }

        @Override
        public String toString() {
            return String.format("ta=%s tb=%s m=%d n=%d k=%d alpha=%s beta=%s ao=%d lda=%d bo=%d ldb=%d co=%d ldc=%d",
                    ta, tb, m, n, k, alpha, beta, ao, lda, bo, ldb, co, ldc);
        }
    }

    static Stream<Case> cases() {
        List<Case> cases = new ArrayList<>();
        long seed = 1;
        for (boolean ta : new boolean[]{false, true}) {
            for (boolean tb : new boolean[]{false, true}) {
                cases.add(Case.of(seed++, ta, tb, 3, 5, 4, 1, 0, 0, 0, 0, 0, 0, 0));          // tight, rectangular
                cases.add(Case.of(seed++, ta, tb, 7, 2, 9, -1.5, 0.5, 5, 3, 2, 1, 4, 2));     // offsets + padding
                cases.add(Case.of(seed++, ta, tb, 1, 13, 6, 2, 1, 1, 0, 0, 4, 7, 5));
                cases.add(Case.of(seed++, ta, tb, 33, 17, 40, 0.25, -2, 3, 2, 1, 3, 2, 1));   // beyond vector widths
                cases.add(Case.of(seed++, ta, tb, 4, 3, 0, 1, 0.5, 1, 0, 1, 0, 1, 2));        // k == 0: C := beta*C
                cases.add(Case.of(seed++, ta, tb, 4, 3, 5, 0, 3, 0, 0, 0, 0, 0, 1));          // alpha == 0
            }
        }
        cases.add(Case.of(seed++, false, false, 0, 4, 3, 1, 0, 0, 0, 0, 0, 0, 0));            // m == 0
        cases.add(Case.of(seed, true, false, 4, 0, 3, 1, 0, 0, 0, 0, 0, 0, 0));                // n == 0
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void dgemmMatchesNaiveLoop(Case x) {
        assertArrayEquals(x.expected(), x.runDouble(null), 1e-12, x.toString());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void sgemmMatchesNaiveLoop(Case x) {
        assertArrayEquals(toFloat(x.expected()), x.runFloat(null), 1e-4f, x.toString());
    }

    @Test
    void betaZeroOverwritesNaN() {
        float[] c = {Float.NaN, Float.NaN, Float.NaN, Float.NaN};
        Blas.sgemm(false, false, 2, 2, 1, 1f, new float[]{1, 2}, 0, 1, new float[]{3, 4}, 0, 2, 0f, c, 0, 2);
        assertArrayEquals(new float[]{3, 4, 6, 8}, c);
        double[] d = {Double.NaN, Double.NaN};
        Blas.dgemm(false, false, 1, 2, 0, 1d, new double[0], 0, 1, new double[0], 0, 2, 0d, d, 0, 2);
        assertArrayEquals(new double[]{0, 0}, d);
    }

    // ---- argument validation ----------------------------------------------------------------------------------

    private static IllegalArgumentException sgemmFails(boolean ta, int m, int n, int k, int ao, int lda, int aLen,
                                                       int ldb, int bLen, int ldc, int cLen) {
        return assertThrows(IllegalArgumentException.class, () -> Blas.sgemm(ta, false, m, n, k, 1f,
                new float[aLen], ao, lda, new float[bLen], 0, ldb, 0f, new float[cLen], 0, ldc));
    }

    @Test
    void rejectsBadArgumentsWithNameExpectedAndGot() {
        assertEquals("m: expected >= 0, got -1", sgemmFails(false, -1, 2, 2, 0, 2, 4, 2, 4, 2, 4).getMessage());
        assertEquals("k: expected >= 0, got -3", sgemmFails(false, 2, 2, -3, 0, 2, 4, 2, 4, 2, 4).getMessage());
        String lda = sgemmFails(false, 2, 2, 3, 0, 2, 6, 2, 6, 2, 4).getMessage();
        assertTrue(lda.startsWith("lda: expected >= 3") && lda.endsWith("got 2"), lda);
        String ldaT = sgemmFails(true, 2, 2, 3, 0, 1, 6, 2, 6, 2, 4).getMessage(); // A stored 3 x 2
        assertTrue(ldaT.startsWith("lda: expected >= 2") && ldaT.endsWith("got 1"), ldaT);
        String ldc = sgemmFails(false, 2, 3, 2, 0, 2, 4, 3, 6, 2, 6).getMessage();
        assertTrue(ldc.startsWith("ldc: expected >= 3"), ldc);
        String off = sgemmFails(false, 2, 2, 2, -1, 2, 4, 2, 4, 2, 4).getMessage();
        assertEquals("aOffset: expected >= 0, got -1", off);
        String alen = sgemmFails(false, 2, 2, 2, 1, 2, 4, 2, 4, 2, 4).getMessage();
        assertTrue(alen.startsWith("a.length: expected >= 5") && alen.endsWith("got 4"), alen);
        String blen = sgemmFails(false, 2, 2, 2, 0, 2, 4, 3, 4, 2, 4).getMessage(); // ldb 3: needs 3 + 2
        assertTrue(blen.startsWith("b.length: expected >= 5") && blen.endsWith("got 4"), blen);
        String clen = sgemmFails(false, 2, 2, 2, 0, 2, 4, 2, 4, 2, 3).getMessage();
        assertTrue(clen.startsWith("c.length: expected >= 4") && clen.endsWith("got 3"), clen);
        IllegalArgumentException d = assertThrows(IllegalArgumentException.class, () -> Blas.dgemm(false, true,
                2, 2, 2, 1d, new double[4], 0, 2, new double[4], 0, 1, 0d, new double[4], 0, 2));
        assertTrue(d.getMessage().startsWith("ldb: expected >= 2"), d.getMessage());
        assertThrows(NullPointerException.class, () -> Blas.dgemm(false, false, 1, 1, 1, 1d, null, 0, 1,
                new double[1], 0, 1, 0d, new double[1], 0, 1));
    }

    // ---- implementation selection -----------------------------------------------------------------------------

    @Test
    void implementationNameIsReported() {
        String name = Blas.implementationName();
        assertTrue(name.startsWith("native") || name.startsWith("VectorBLAS") || name.startsWith("JavaBLAS"), name);
    }

    @Test
    void autoNeverPicksPureJavaWhenVectorApiIsPresent() {
        Assumptions.assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent());
        assertFalse(BlasLoader.select("auto").name().startsWith("JavaBLAS"));
        assertFalse(BlasLoader.select(null).name().startsWith("JavaBLAS"));
    }

    @Test
    void unknownValueFailsNamingTheProperty() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BlasLoader.select("fast"));
        assertEquals("Unknown value 'fast' for system property kindling.blas; expected one of auto, native, bundled,"
                + " system, vector, java", e.getMessage());
    }

    @Test
    void forcedChoiceIsHonouredCaseInsensitively() {
        assertEquals("JavaBLAS (pure Java)", BlasLoader.select(" JAVA ").name());
    }

    /** The OpenBLAS of the org.bytedeco:openblas jar must load wherever the build shipped its platform's libraries. */
    @Test
    void bundledOpenBlasLoadsOnTheBuildsPlatform() {
        Assumptions.assumeTrue(System.getProperty("os.name").equals("Linux")
                && System.getProperty("os.arch").equals("amd64"), "the build ships linux-x86_64 libraries");
        Assumptions.assumeTrue(System.getProperty("dev.ludovic.netlib.blas.nativeLibPath") == null,
                "a configured native library takes precedence");
        BlasLoader.Selection s = BlasLoader.select("bundled");
        assertTrue(s.name().startsWith("native OpenBLAS, bundled ("), s.name());
        assertTrue(s.name().contains("libopenblas_nolapack.so.0"), s.name());
        assertTrue(s.reason().contains("OPENBLAS_NUM_THREADS="), s.reason());
        if (!"vector".equals(System.getProperty(Blas.PROPERTY)) && !"java".equals(System.getProperty(Blas.PROPERTY))) {
            assertEquals(s.name(), Blas.implementationName(), "auto picks the bundled library first");
        }
    }

    @Test
    void forcedNativeEitherLoadsOpenBlasOrFailsClearly() {
        try {
            BlasLoader.Selection s = BlasLoader.select("native");
            assertTrue(s.name().startsWith("native"), s.name());
        } catch (IllegalStateException e) {
            assertTrue(e.getMessage().startsWith("-Dkindling.blas=native cannot be honoured: "), e.getMessage());
        }
    }

    private static BLAS load(String choice) {
        try {
            return BlasLoader.select(choice).blas();
        } catch (IllegalStateException e) {
            if (choice.equals("java")) {
                throw e;
            }
            Assumptions.abort(choice + " not available here: " + e.getMessage());
            return null;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"java", "vector", "native"})
    void everyAvailableImplementationAgreesWithTheReference(String choice) {
        BLAS blas = load(choice);
        cases().forEach(x -> {
            assertArrayEquals(x.expected(), x.runDouble(blas), 1e-12, choice + " dgemm " + x);
            assertArrayEquals(toFloat(x.expected()), x.runFloat(blas), 1e-4f, choice + " sgemm " + x);
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"vector", "native"})
    void fasterImplementationsMatchPureJavaOnALargerProduct(String choice) {
        BLAS blas = load(choice);
        BLAS java = load("java");
        Random rnd = new Random(42);
        int m = 64, n = 96, k = 130;
        float[] a = new float[m * k], b = new float[k * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) rnd.nextGaussian();
        }
        for (boolean ta : new boolean[]{false, true}) {
            for (boolean tb : new boolean[]{false, true}) {
                float[] expected = new float[m * n], got = new float[m * n];
                Blas.sgemm(java, ta, tb, m, n, k, 1f, a, 0, ta ? m : k, b, 0, tb ? k : n, 0f, expected, 0, n);
                Blas.sgemm(blas, ta, tb, m, n, k, 1f, a, 0, ta ? m : k, b, 0, tb ? k : n, 0f, got, 0, n);
                assertArrayEquals(expected, got, 1e-3f, choice + " ta=" + ta + " tb=" + tb);
            }
        }
    }
}
