package dev.kindling.core.registry;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.jsontype.NamedType;
import dev.kindling.core.optim.Adagrad;
import dev.kindling.core.optim.Adam;
import dev.kindling.core.optim.Optimizer;
import dev.kindling.core.optim.RmsProp;
import dev.kindling.core.optim.Sgd;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Names of the kinds that saved models and job files refer to, and the Jackson mapper that reads and writes them.
 * Optimizers are Jackson types whose {@code "name"} property is the type id; a registered optimizer also gives its
 * Keras defaults ({@code Optimizer.byName}).
 */
public final class Registry {
    private static final Map<String, Class<? extends Optimizer>> OPTIMIZER_TYPES = new LinkedHashMap<>();
    private static final Map<String, Supplier<? extends Optimizer>> OPTIMIZER_DEFAULTS = new LinkedHashMap<>();
    private static volatile ObjectMapper mapper;

    static {
        optimizer("sgd", Sgd.class, Optimizer::sgd);
        optimizer("rmsprop", RmsProp.class, Optimizer::rmsprop);
        optimizer("adam", Adam.class, Optimizer::adam);
        optimizer("adagrad", Adagrad.class, Optimizer::adagrad);
    }

    private Registry() {
    }

    /**
     * Registers an optimizer under {@code name} (lower case): its class (a Jackson-serializable record whose
     * components are its hyper-parameters) and its defaults.
     */
    public static synchronized void optimizer(String name, Class<? extends Optimizer> type,
                                              Supplier<? extends Optimizer> defaults) {
        String key = name.toLowerCase(Locale.ROOT);
        OPTIMIZER_TYPES.put(key, type);
        OPTIMIZER_DEFAULTS.put(key, defaults);
        mapper = null;
    }

    /** The optimizer {@code name} with its defaults, or null if none is registered under it. */
    public static synchronized Optimizer optimizerDefaults(String name) {
        Supplier<? extends Optimizer> s = OPTIMIZER_DEFAULTS.get(name.toLowerCase(Locale.ROOT));
        return s == null ? null : s.get();
    }

    /** The registered optimizer names, in registration order. */
    public static synchronized Set<String> optimizerNames() {
        return Collections.unmodifiableSet(new java.util.LinkedHashSet<>(OPTIMIZER_TYPES.keySet()));
    }

    /**
     * The Jackson mapper that knows every registered type: rebuilt after a registration (Jackson caches what it
     * resolved, so a mapper built before the registration would not see the new type).
     */
    public static ObjectMapper json() {
        ObjectMapper m = mapper;
        if (m == null) {
            synchronized (Registry.class) {
                if (mapper == null) {
                    ObjectMapper fresh = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES,
                            true);
                    OPTIMIZER_TYPES.forEach((name, type) -> fresh.registerSubtypes(new NamedType(type, name)));
                    mapper = fresh;
                }
                m = mapper;
            }
        }
        return m;
    }
}
