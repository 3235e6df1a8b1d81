// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.blas;

import dev.ludovic.netlib.blas.BLAS;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_nolapack;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Finds and loads the BLAS that {@link Blas} runs on, once per JVM: native OpenBLAS (the copy bundled in the
 * {@code org.bytedeco:openblas} jar, else a system library), then netlib's VectorBLAS, then pure Java. Apart from
 * {@link Blas} so that the product code reads on its own; see the package documentation for why the choice is made
 * here and not by netlib's {@code BLAS.getInstance()}.
 */
final class BlasLoader {
    /** netlib's property naming the native BLAS library file that its JNI glue {@code dlopen}s. */
    static final String NETLIB_NATIVE_LIB_PATH = "dev.ludovic.netlib.blas.nativeLibPath";
    /** The key of the bundled OpenBLAS in JavaCPP's table of loaded libraries. */
    private static final String BUNDLED_LIBRARY = "openblas_nolapack@.0";
    private static final String PROPERTY = Blas.PROPERTY;

    private BlasLoader() {
    }

    /** A loaded implementation: the netlib instance, a short name, and the one-line reason it was chosen. */
    record Selection(BLAS blas, String name, String reason, boolean slowFallback) {
        Selection(BLAS blas, String name, String reason) {
            this(blas, name, reason, false);
        }
    }


    /**
     * Loads the implementation named by {@code value} (the {@value Blas#PROPERTY} property; null or blank means auto).
     * Package-private so tests can exercise the logic without touching global state. Throws
     * {@link IllegalStateException} if a forced choice cannot load, {@link IllegalArgumentException} if unknown.
     */
    static Selection select(String value) {
        String choice = value == null || value.isBlank() ? "auto" : value.trim().toLowerCase(Locale.ROOT);
        String forced = ", forced by -D" + PROPERTY + "=" + choice;
        switch (choice) {
            case "auto": {
                List<String> notes = new ArrayList<>();
                for (Supplier<Selection> fast : List.<Supplier<Selection>>of(() -> nativeSelection(""),
                        () -> vectorSelection(""))) {
                    try {
                        Selection s = fast.get();
                        return notes.isEmpty() ? s
                                : new Selection(s.blas(), s.name(), s.reason() + "; " + String.join("; ", notes));
                    } catch (IllegalStateException e) {
                        notes.add(e.getMessage());
                    }
                }
                Selection j = javaSelection("");
                return new Selection(j.blas(), j.name(),
                        j.name() + " -- slow fallback; " + String.join("; ", notes), true);
            }
            case "native":
                return wrapForced(choice, () -> nativeSelection(forced));
            case "bundled":
                return wrapForced(choice, () -> bundledSelection(forced));
            case "system":
                return wrapForced(choice, () -> systemSelection(forced));
            case "vector":
                return wrapForced(choice, () -> vectorSelection(forced));
            case "java":
                return javaSelection(forced);
            default:
                throw new IllegalArgumentException("Unknown value '" + value + "' for system property " + PROPERTY
                        + "; expected one of auto, native, bundled, system, vector, java");
        }
    }

    private static Selection wrapForced(String choice, Supplier<Selection> loader) {
        try {
            return loader.get();
        } catch (IllegalStateException e) {
            throw new IllegalStateException("-D" + PROPERTY + "=" + choice + " cannot be honoured: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Native BLAS: the library named by {@value #NETLIB_NATIVE_LIB_PATH} when the user set it, else the OpenBLAS
     * shipped inside the {@code org.bytedeco:openblas} jar, else a system OpenBLAS. A JVM can load only one:
     * netlib's JNI glue {@code dlopen}s its library once.
     */
    private static Selection nativeSelection(String suffix) {
        String configured = System.getProperty(NETLIB_NATIVE_LIB_PATH);
        if (configured != null && !configured.isBlank()) {
            return systemSelection(suffix);
        }
        try {
            return bundledSelection(suffix);
        } catch (IllegalStateException bundled) {
            try {
                return systemSelection(suffix);
            } catch (IllegalStateException system) {
                throw new IllegalStateException(bundled.getMessage() + "; " + system.getMessage(), system);
            }
        }
    }

    /**
     * The OpenBLAS inside the {@code org.bytedeco:openblas} jar (a dependency of core, so it travels with the
     * application jar to every executor): JavaCPP extracts it to its cache ({@code ~/.javacpp/cache}) and loads
     * it, then netlib's JNI glue is pointed at the extracted {@code libopenblas_nolapack.so.0}.
     */
    private static Selection bundledSelection(String suffix) {
        Path library;
        try {
            Loader.load(openblas_nolapack.class);
            String path = Loader.getLoadedLibraries().get(BUNDLED_LIBRARY);
            if (path == null) {
                throw new IllegalStateException("JavaCPP loaded " + Loader.getLoadedLibraries().keySet()
                        + " but not " + BUNDLED_LIBRARY);
            }
            library = Paths.get(path);
        } catch (LinkageError | RuntimeException e) {
            throw new IllegalStateException("bundled OpenBLAS (org.bytedeco:openblas) did not load for "
                    + Loader.getPlatform() + " (" + rootMessage(e) + ")", e);
        }
        BLAS blas = loadNative(library, true);
        checkWorks(blas, "bundled OpenBLAS " + library);
        String name = "native OpenBLAS, bundled (" + library + ")";
        return new Selection(blas, name, name + threads() + suffix);
    }

    /** A system library: the configured {@value #NETLIB_NATIVE_LIB_PATH}, else the first OpenBLAS found. */
    private static Selection systemSelection(String suffix) {
        String configured = System.getProperty(NETLIB_NATIVE_LIB_PATH);
        Path library;
        if (configured != null && !configured.isBlank()) {
            library = Paths.get(configured);
            if (configured.contains("/") && !Files.exists(library)) {
                throw new IllegalStateException(NETLIB_NATIVE_LIB_PATH + "=" + configured + " does not exist");
            }
        } else {
            List<Path> candidates = openBlasCandidates();
            library = candidates.stream().filter(Files::isRegularFile).findFirst().orElseThrow(() ->
                    new IllegalStateException("no system OpenBLAS at " + candidates
                            + " (install libopenblas0-pthread or set -D" + NETLIB_NATIVE_LIB_PATH + ")"));
        }
        BLAS blas = loadNative(library, configured == null || configured.isBlank());
        checkWorks(blas, "native BLAS " + library);
        boolean openBlas = library.toString().contains("openblas");
        String name = (openBlas ? "native OpenBLAS, system" : "native BLAS") + " (" + library + ")";
        return new Selection(blas, name, name + (openBlas ? threads() : "") + suffix);
    }

    private static String threads() {
        String threads = System.getenv("OPENBLAS_NUM_THREADS");
        return ", OPENBLAS_NUM_THREADS=" + (threads == null ? "unset (one thread per core)" : threads);
    }

    /** Debian/Ubuntu (pthread, openmp, serial variants) and generic locations of the OpenBLAS shared library. */
    static List<Path> openBlasCandidates() {
        String arch = System.getProperty("os.arch", "");
        String triplet = (arch.equals("amd64") || arch.equals("x86_64") ? "x86_64" : arch) + "-linux-gnu";
        String dir = "/usr/lib/" + triplet;
        return Stream.of(dir + "/openblas-pthread/libopenblas.so.0", dir + "/openblas-openmp/libopenblas.so.0",
                        dir + "/openblas-serial/libopenblas.so.0", dir + "/libopenblas.so.0",
                        "/usr/lib64/libopenblas.so.0")
                .map(Paths::get).toList();
    }

    /*
     * netlib's JNIBLAS dlopen()s its library once, when the class initialises, reading the nativeLibPath property
     * (default: whatever libblas.so.3 resolves to, possibly the slow reference BLAS). So we set the property just
     * around that initialisation, never call BLAS/NativeBLAS/JavaBLAS.getInstance() (which would initialise JNIBLAS
     * with the default library), and afterwards check /proc/self/maps that our library is the one mapped.
     */
    private static synchronized BLAS loadNative(Path library, boolean setProperty) {
        String previous = System.getProperty(NETLIB_NATIVE_LIB_PATH);
        if (setProperty) {
            System.setProperty(NETLIB_NATIVE_LIB_PATH, library.toString());
        }
        BLAS blas;
        try {
            blas = instance("dev.ludovic.netlib.blas.JNIBLAS");
        } catch (LinkageError | IllegalStateException e) {
            throw new IllegalStateException("native BLAS " + library + " failed to load: netlib's JNI glue could"
                    + " not dlopen it or resolve its BLAS symbols, or an earlier attempt in this JVM failed ("
                    + rootMessage(e) + ")", e);
        } finally {
            if (setProperty) {
                if (previous == null) {
                    System.clearProperty(NETLIB_NATIVE_LIB_PATH);
                } else {
                    System.setProperty(NETLIB_NATIVE_LIB_PATH, previous);
                }
            }
        }
        if (!isMapped(library)) {
            throw new IllegalStateException("netlib's native BLAS is initialised but " + library + " is not mapped"
                    + " in this process (was BLAS.getInstance() called earlier with another library?)");
        }
        return blas;
    }

    /** True if the library's real path appears in /proc/self/maps, or if that file cannot be read (not Linux). */
    private static boolean isMapped(Path library) {
        Path maps = Paths.get("/proc/self/maps");
        if (!Files.isReadable(maps)) {
            return true;
        }
        try (Stream<String> lines = Files.lines(maps)) {
            String real = library.toRealPath().toString();
            return lines.anyMatch(line -> line.endsWith(" " + real));
        } catch (IOException e) {
            return true;
        }
    }

    private static Selection vectorSelection(String suffix) {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            throw new IllegalStateException("Java Vector API unavailable (module jdk.incubator.vector not in the"
                    + " boot layer; run java with --add-modules=jdk.incubator.vector)");
        }
        BLAS blas;
        try {
            blas = instance("dev.ludovic.netlib.blas.VectorBLAS");
        } catch (LinkageError | IllegalStateException e) {
            throw new IllegalStateException("VectorBLAS failed to load (" + rootMessage(e) + ")", e);
        }
        checkWorks(blas, "VectorBLAS");
        return new Selection(blas, "VectorBLAS (Java Vector API)", "VectorBLAS (Java Vector API)" + suffix);
    }

    private static Selection javaSelection(String suffix) {
        BLAS blas = instance("dev.ludovic.netlib.blas.Java11BLAS");
        return new Selection(blas, "JavaBLAS (pure Java)", "JavaBLAS (pure Java)" + suffix);
    }

    /** netlib's implementation classes are package-private; each has a public static getInstance(). */
    private static BLAS instance(String className) {
        try {
            Method getInstance = Class.forName(className, true, BlasLoader.class.getClassLoader())
                    .getDeclaredMethod("getInstance");
            getInstance.setAccessible(true);
            return (BLAS) getInstance.invoke(null);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException(className + ".getInstance() failed: " + rootMessage(e), e);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException(className + " not usable: " + rootMessage(e), e);
        }
    }

    /** A 2x2 product, so that a library that loads but computes garbage is not picked. */
    private static void checkWorks(BLAS blas, String what) {
        float[] c = new float[4];
        try {
            Blas.sgemm(blas, false, false, 2, 2, 2, 1f, new float[]{1, 2, 3, 4}, 0, 2, new float[]{5, 6, 7, 8}, 0, 2,
                    0f, c, 0, 2);
        } catch (RuntimeException | LinkageError e) {
            throw new IllegalStateException(what + " failed a 2x2 sgemm check: " + rootMessage(e), e);
        }
        if (!Arrays.equals(c, new float[]{19, 22, 43, 50})) {
            throw new IllegalStateException(what + " computed " + Arrays.toString(c)
                    + " for a 2x2 sgemm, expected [19.0, 22.0, 43.0, 50.0]");
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
