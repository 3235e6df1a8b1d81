// SPDX-License-Identifier: Apache-2.0
package dev.kindling.core.callbacks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kindling.core.io.FileStore;
import dev.kindling.core.model.EpochLogs;
import dev.kindling.core.model.TrainingListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Keras's {@code CSVLogger}: one row per epoch, {@code epoch} then the logs in the order they first appear
 * ({@code loss}, metrics, {@code val_*}, {@code lr}). The file is rewritten whole (atomically) after every epoch, so
 * it is never half a row; a resumed fit carries the rows of the epochs before its checkpoint.
 */
public final class CSVLogger implements TrainingListener {
    private final FileStore store;
    private final String name;
    private final String separator;
    private final List<Map<String, Double>> rows = new ArrayList<>();

    public CSVLogger(FileStore store, String name) {
        this(store, name, ",");
    }

    public CSVLogger(FileStore store, String name, String separator) {
        if (store == null || name == null || name.isBlank() || separator == null || separator.isEmpty()) {
            throw new IllegalArgumentException("CSVLogger: a folder, a file name and a separator are needed");
        }
        this.store = store;
        this.name = name;
        this.separator = separator;
    }

    @Override
    public void onTrainBegin(dev.kindling.core.model.FitLoop fit) {
        rows.clear();
    }

    @Override
    public void onEpochEnd(EpochLogs logs) {
        Map<String, Double> row = new LinkedHashMap<>();
        row.put("epoch", (double) logs.epoch());
        row.putAll(logs.values());
        rows.add(row);
        byte[] csv = csv().getBytes(StandardCharsets.UTF_8);
        try {
            store.write(name, out -> out.write(csv));
        } catch (IOException e) {
            throw new UncheckedIOException("CSVLogger: could not write " + store.location(name) + ": "
                    + e.getMessage(), e);
        }
    }

    String csv() {
        Set<String> columns = new LinkedHashSet<>();
        rows.forEach(r -> columns.addAll(r.keySet()));
        StringBuilder s = new StringBuilder(String.join(separator, columns)).append('\n');
        for (Map<String, Double> r : rows) {
            Iterator<String> c = columns.iterator();
            while (c.hasNext()) {
                String column = c.next();
                Double v = r.get(column);
                s.append(v == null ? "" : column.equals("epoch") ? Long.toString(v.longValue()) : Double.toString(v));
                s.append(c.hasNext() ? separator : "\n");
            }
        }
        return s.toString();
    }

    @Override
    public JsonNode checkpointState() {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        for (Map<String, Double> r : rows) {
            ObjectNode o = a.addObject();
            r.forEach(o::put);
        }
        return a;
    }

    @Override
    public void restoreCheckpointState(JsonNode state) {
        rows.clear();
        for (JsonNode o : state) {
            Map<String, Double> r = new LinkedHashMap<>();
            o.fields().forEachRemaining(e -> r.put(e.getKey(), e.getValue().asDouble()));
            rows.add(r);
        }
    }

    /** The job file's {@code {type = csv_logger, path = "out/training.csv", separator = ","}}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Config(String path, String separator) implements CallbackConfig {
        @Override
        public CSVLogger build(Function<String, FileStore> storeAt) {
            String p = CallbackConfig.requirePath(path, "csv_logger", "out/training.csv");
            FileStore store = storeAt.apply(CallbackConfig.folderOf(p));
            return separator == null ? new CSVLogger(store, CallbackConfig.fileOf(p))
                    : new CSVLogger(store, CallbackConfig.fileOf(p), separator);
        }
    }
}
