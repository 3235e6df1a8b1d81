// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import dev.kindling.core.registry.Binder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The problems of one job configuration, each at its key and where that key was set in HOCON: the file and line,
 * the {@code --set} option, or for a default the job file, since the fix goes there.
 */
final class Problems implements Binder.Problems {
    private static final Pattern ITEM = Pattern.compile("([\\w.-]+)\\[(\\d+)]\\.?(.*)");

    private final List<String> lines = new ArrayList<>();
    private final Path file;
    private Config merged;

    Problems(Path file) {
        this.file = file;
    }

    /** From now on, keys are looked up in {@code merged}. */
    void over(Config merged) {
        this.merged = merged;
    }

    /** A problem already worded with its place (a HOCON syntax error). */
    void add(String line) {
        lines.add(line);
    }

    @Override
    public void at(String key, String message) {
        at(merged == null ? null : origin(merged, key), key, message);
    }

    void at(ConfigOrigin origin, String key, String message) {
        lines.add(where(origin, file) + key + ": " + message);
    }

    /** {@code value} lower-cased if it is one of {@code allowed}; else null, with the problem. */
    String choice(String key, String value, List<String> allowed) {
        String lower = value == null ? null : value.toLowerCase(Locale.ROOT);
        if (lower == null) {
            at(key, "missing, expected one of " + String.join(", ", allowed));
        } else if (!allowed.contains(lower)) {
            at(key, Binder.unknownValue(value, allowed));
            return null;
        }
        return lower;
    }

    void failIfAny() throws BadConfigurationException {
        if (!lines.isEmpty()) {
            throw new BadConfigurationException(lines);
        }
    }

    /** The value at {@code path}, a null value included (Config.getValue refuses those); null if absent. */
    static ConfigValue value(Config config, String path) {
        ConfigValue current = config.root();
        for (String part : ConfigUtil.splitPath(path)) {
            if (!(current instanceof ConfigObject object) || !object.containsKey(part)) {
                return null;
            }
            current = object.get(part);
        }
        return current;
    }

    /**
     * Where {@code key} was set ({@code data.train[1]}, {@code model.layers[0].units} too), or where the nearest
     * key above it was (a key the user left out); null when there is none.
     */
    static ConfigOrigin origin(Config config, String key) {
        try {
            Matcher item = ITEM.matcher(key);
            if (item.matches() && value(config, item.group(1)) instanceof List<?> list
                    && Integer.parseInt(item.group(2)) < list.size()) {
                ConfigValue v = (ConfigValue) list.get(Integer.parseInt(item.group(2)));
                ConfigOrigin inner = v instanceof ConfigObject o && !item.group(3).isEmpty()
                        ? origin(o.toConfig(), item.group(3)) : null;
                return inner == null ? v.origin() : inner;
            }
            String k = item.matches() ? item.group(1) : key;
            for (; ; k = k.substring(0, k.lastIndexOf('.'))) {
                ConfigValue v = value(config, k);
                if (v != null || !k.contains(".")) {
                    return v == null ? null : firstOrigin(v);
                }
            }
        } catch (RuntimeException notAKey) {
            return null;   // an option (--resume), or no single value to point at
        }
    }

    /** Where a value came from; for an object made by {@code --set a.b=1}, which has no origin of its own, its first value's. */
    private static ConfigOrigin firstOrigin(ConfigValue v) {
        if (v instanceof ConfigObject o && !o.isEmpty() && o.origin().filename() == null
                && !o.origin().description().startsWith("--set ")) {
            return firstOrigin(o.values().iterator().next());
        }
        return v.origin();
    }

    /**
     * {@code file:line: } or {@code --set k=v: } for a value the user gave; for a default (or nothing), the job
     * file's name, since the fix goes there.
     */
    static String where(ConfigOrigin origin, Path file) {
        if (origin != null && origin.filename() != null) {
            return origin.filename() + (origin.lineNumber() > 0 ? ":" + origin.lineNumber() : "") + ": ";
        }
        if (origin != null && origin.description().startsWith("--set ")) {
            return origin.description().replaceFirst(": \\d+$", "") + ": ";
        }
        return file == null ? "" : file + ": ";
    }
}
