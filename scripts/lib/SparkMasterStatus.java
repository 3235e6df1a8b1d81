// SPDX-License-Identifier: Apache-2.0
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a Spark standalone master's state from its web UI's JSON ({@code http://HOST:UIPORT/json/}) for
 * scripts/cluster. Run with Java's source launcher on Spark's classpath (for Jackson), no build step:
 *
 * <pre>
 * java -cp SPARK_CLASSPATH scripts/lib/SparkMasterStatus.java status UI_URL
 *     prints the master URL, web UI, state, the live workers and the applications; exit 1 if unreachable
 * java -cp SPARK_CLASSPATH scripts/lib/SparkMasterStatus.java wait UI_URL WORKERS TIMEOUT_SECONDS [PID ...]
 *     waits until WORKERS workers are ALIVE; exit 1 on timeout or as soon as one of the PIDs (the master's and
 *     the workers' JVMs) has exited, saying which
 * </pre>
 */
public final class SparkMasterStatus {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        if (args.length >= 2 && args[0].equals("status")) {
            System.exit(status(args[1]));
        } else if (args.length >= 4 && args[0].equals("wait")) {
            List<Long> pids = new ArrayList<>();
            for (int i = 4; i < args.length; i++) {
                pids.add(Long.parseLong(args[i]));
            }
            System.exit(waitForWorkers(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]), pids));
        } else {
            System.err.println("usage: SparkMasterStatus status UI_URL | wait UI_URL WORKERS TIMEOUT_SECONDS [PID ...]");
            System.exit(2);
        }
    }

    private static JsonNode fetch(String uiUrl) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(uiUrl.replaceAll("/+$", "") + "/json/"))
                .timeout(Duration.ofSeconds(5)).GET().build();
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("HTTP " + response.statusCode() + " from " + request.uri());
        }
        return JSON.readTree(response.body());
    }

    private static int aliveWorkers(JsonNode master) {
        int alive = 0;
        for (JsonNode worker : master.path("workers")) {
            if ("ALIVE".equals(worker.path("state").asText())) {
                alive++;
            }
        }
        return alive;
    }

    private static int status(String uiUrl) throws InterruptedException {
        JsonNode master;
        try {
            master = fetch(uiUrl);
        } catch (IOException e) {
            System.out.println("master web UI " + uiUrl + " does not answer: " + e);
            return 1;
        }
        System.out.printf("master:   %s (%s)%n", master.path("url").asText(), master.path("status").asText());
        System.out.printf("web UI:   %s%n", uiUrl);
        System.out.printf("workers:  %d alive, %d cores (%d used), %d MB (%d MB used)%n", aliveWorkers(master),
                master.path("cores").asInt(), master.path("coresused").asInt(),
                master.path("memory").asInt(), master.path("memoryused").asInt());
        for (JsonNode worker : master.path("workers")) {
            System.out.printf("  %-8s %s  %s:%d  %d cores, %d MB  UI %s%n", worker.path("state").asText(),
                    worker.path("id").asText(), worker.path("host").asText(), worker.path("port").asInt(),
                    worker.path("cores").asInt(), worker.path("memory").asInt(),
                    worker.path("webuiaddress").asText());
        }
        printApps("running apps", master.path("activeapps"));
        printApps("completed apps", master.path("completedapps"));
        return 0;
    }

    private static void printApps(String title, JsonNode apps) {
        System.out.printf("%s: %d%n", title, apps.size());
        for (JsonNode app : apps) {
            System.out.printf("  %s  %s  %s  %d cores%n", app.path("id").asText(), app.path("name").asText(),
                    app.path("state").asText(), app.path("cores").asInt());
        }
    }

    private static int waitForWorkers(String uiUrl, int workers, int timeoutSeconds, List<Long> pids)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
        String last = "no answer yet";
        while (true) {
            for (long pid : pids) {
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) == Boolean.FALSE) {
                    System.err.printf("process %d exited before %d worker(s) registered (last state: %s)%n",
                            pid, workers, last);
                    return 1;
                }
            }
            try {
                JsonNode master = fetch(uiUrl);
                int alive = aliveWorkers(master);
                last = master.path("status").asText() + ", " + alive + " worker(s) alive";
                if (alive >= workers) {
                    return 0;
                }
            } catch (IOException e) {
                last = "web UI " + uiUrl + " not answering (" + e.getClass().getSimpleName() + ")";
            }
            if (System.nanoTime() > deadline) {
                System.err.printf("timed out after %d s waiting for %d worker(s) (last state: %s)%n",
                        timeoutSeconds, workers, last);
                return 1;
            }
            Thread.sleep(250);
        }
    }
}
