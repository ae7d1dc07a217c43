import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * A constant-arrival-rate HTTP/1.1 load generator (open loop, like wrk2), one platform thread per connection
 * (plain blocking reads: fewer syscalls than virtual threads on a poller): request i is due at
 * start + i / rate, whichever keep-alive connection is free takes it, and its latency is counted
 * from when it was due, not from when it was sent, so a stalled server cannot hide its queueing
 * (coordinated omission). Run above capacity it measures the maximum throughput; below, latency.
 *
 * java LoadGen.java --url http://127.0.0.1:8080/healthz --rate 20000 --seconds 10 --connections 64
 *     [--method POST --body-file body.json --header 'Name: value' ...]
 * Prints one JSON line: sent, completed, per-status counts, throughput, latency percentiles (ms).
 */
public class LoadGen {
    public static void main(String[] args) throws Exception {
        Map<String, List<String>> opts = parse(args);
        java.net.URI url = java.net.URI.create(one(opts, "url", null));
        double rate = Double.parseDouble(one(opts, "rate", "1000"));
        double seconds = Double.parseDouble(one(opts, "seconds", "10"));
        int connections = Integer.parseInt(one(opts, "connections", "32"));
        String method = one(opts, "method", "GET");
        String bodyFile = one(opts, "body-file", null);
        byte[] body = bodyFile == null ? new byte[0] : Files.readAllBytes(Path.of(bodyFile));
        StringBuilder head = new StringBuilder();
        String path = url.getRawPath() + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
        head.append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: ").append(url.getHost()).append(':')
                .append(url.getPort()).append("\r\n");
        for (String h : opts.getOrDefault("header", List.of())) {
            head.append(h).append("\r\n");
        }
        if (body.length > 0) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        byte[] headBytes = head.toString().getBytes(StandardCharsets.UTF_8);
        byte[] request = new byte[headBytes.length + body.length];
        System.arraycopy(headBytes, 0, request, 0, headBytes.length);
        System.arraycopy(body, 0, request, headBytes.length, body.length);

        long total = (long) (rate * seconds);
        long intervalNanos = (long) (1e9 / rate);
        long[] latencies = new long[(int) Math.min(total, 50_000_000)];
        AtomicLong next = new AtomicLong();
        LongAdder completed = new LongAdder();
        LongAdder errors = new LongAdder();
        Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
        long start = System.nanoTime() + 50_000_000;
        long deadline = start + (long) (seconds * 1e9);

        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            threads.add(Thread.ofPlatform().daemon().start(() -> {
                Socket socket = null;
                Reader in = null;
                OutputStream out = null;
                while (true) {
                    long i = next.getAndIncrement();
                    if (i >= total) {
                        break;
                    }
                    long due = start + i * intervalNanos;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    if (System.nanoTime() > deadline + 2_000_000_000L) {
                        break; // hopelessly behind: stop rather than run forever
                    }
                    try {
                        if (socket == null) {
                            socket = new Socket();
                            socket.setTcpNoDelay(true);
                            socket.connect(new InetSocketAddress(url.getHost(), url.getPort()), 5000);
                            socket.setSoTimeout(30_000);
                            in = new Reader(socket.getInputStream());
                            out = socket.getOutputStream();
                        }
                        out.write(request);
                        out.flush();
                        int status = in.readResponse();
                        latencies[(int) (i % latencies.length)] = System.nanoTime() - due;
                        statuses.computeIfAbsent(status, s -> new LongAdder()).increment();
                        completed.increment();
                    } catch (IOException e) {
                        errors.increment();
                        latencies[(int) (i % latencies.length)] = -1;
                        try {
                            if (socket != null) {
                                socket.close();
                            }
                        } catch (IOException ignored) {
                            // reconnect next time
                        }
                        socket = null;
                    }
                }
                try {
                    if (socket != null) {
                        socket.close();
                    }
                } catch (IOException ignored) {
                    // done
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        long n = Math.min(next.get(), total);
        long[] measured = Arrays.stream(latencies, 0, (int) Math.min(n, latencies.length)).filter(l -> l > 0).sorted().toArray();
        Map<Integer, Long> byStatus = new TreeMap<>();
        statuses.forEach((k, v) -> byStatus.put(k, v.sum()));
        StringBuilder json = new StringBuilder("{");
        json.append("\"target_rate\":").append(rate).append(",\"seconds\":").append(String.format("%.2f", elapsed))
                .append(",\"connections\":").append(connections).append(",\"completed\":").append(completed.sum())
                .append(",\"errors\":").append(errors.sum())
                .append(",\"throughput\":").append(String.format("%.1f", completed.sum() / elapsed)).append(",\"status\":{");
        json.append(String.join(",", byStatus.entrySet().stream().map(e -> "\"" + e.getKey() + "\":" + e.getValue()).toList()));
        json.append("},\"latency_ms\":{");
        for (double p : new double[] {50, 90, 99, 99.9, 100}) {
            json.append('"').append(p == 100 ? "max" : "p" + (p % 1 == 0 ? String.valueOf((int) p) : String.valueOf(p))).append("\":")
                    .append(String.format("%.2f", percentile(measured, p) / 1e6)).append(p == 100 ? "" : ",");
        }
        json.append("}}");
        System.out.println(json);
    }

    /**
     * One connection's receive buffer. Responses are parsed in place (status code, Content-Length,
     * chunked, Connection: close) without per-line strings or locks: the generator shares the
     * machine with the server it measures, so its own cost per request must stay small.
     */
    static final class Reader {
        private final InputStream in;
        private final byte[] buf = new byte[64 * 1024];
        private int start;
        private int end;

        Reader(InputStream in) {
            this.in = in;
        }

        int readResponse() throws IOException {
            int headerEnd;
            while ((headerEnd = find(start, end)) < 0) {
                fill();
            }
            int status = (buf[start + 9] - '0') * 100 + (buf[start + 10] - '0') * 10 + (buf[start + 11] - '0');
            long length = 0;
            boolean chunked = false;
            boolean close = false;
            int line = indexOf(start, headerEnd, '\n') + 1;
            while (line < headerEnd) {
                int eol = indexOf(line, headerEnd + 2, '\n');
                if (startsWithIgnoreCase(line, "content-length:")) {
                    length = parseLong(line + 15, eol);
                } else if (startsWithIgnoreCase(line, "transfer-encoding: chunked")) {
                    chunked = true;
                } else if (startsWithIgnoreCase(line, "connection: close")) {
                    close = true;
                }
                line = eol + 1;
            }
            start = headerEnd + 4;
            if (chunked) {
                while (true) {
                    int eol;
                    while ((eol = indexOf(start, end, '\n')) < 0) {
                        fill();
                    }
                    long size = parseHex(start, eol);
                    start = eol + 1;
                    skip(size + 2);
                    if (size == 0) {
                        break;
                    }
                }
            } else {
                skip(length);
            }
            if (close) {
                throw new IOException("server closed the connection");
            }
            return status;
        }

        private void skip(long n) throws IOException {
            while (end - start < n) {
                n -= end - start;
                start = end;
                fill();
            }
            start += (int) n;
        }

        private void fill() throws IOException {
            if (start > 0) {
                System.arraycopy(buf, start, buf, 0, end - start);
                end -= start;
                start = 0;
            }
            int n = in.read(buf, end, buf.length - end);
            if (n < 0) {
                throw new IOException("connection closed");
            }
            end += n;
        }

        /** Index of the CRLFCRLF that ends the headers, or -1. */
        private int find(int from, int to) {
            for (int i = from; i + 3 < to; i++) {
                if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n') {
                    return i;
                }
            }
            return -1;
        }

        private int indexOf(int from, int to, char c) {
            for (int i = from; i < to; i++) {
                if (buf[i] == c) {
                    return i;
                }
            }
            return -1;
        }

        private boolean startsWithIgnoreCase(int at, String prefix) {
            for (int i = 0; i < prefix.length(); i++) {
                if (Character.toLowerCase((char) buf[at + i]) != prefix.charAt(i)) {
                    return false;
                }
            }
            return true;
        }

        private long parseLong(int from, int to) {
            long v = 0;
            for (int i = from; i < to; i++) {
                byte b = buf[i];
                if (b >= '0' && b <= '9') {
                    v = v * 10 + (b - '0');
                }
            }
            return v;
        }

        private long parseHex(int from, int to) {
            long v = 0;
            for (int i = from; i < to; i++) {
                int d = Character.digit((char) buf[i], 16);
                if (d < 0) {
                    break;
                }
                v = v * 16 + d;
            }
            return v;
        }
    }

    static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int idx = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
    }

    static Map<String, List<String>> parse(String[] args) {
        Map<String, List<String>> m = new java.util.HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --option value, got " + args[i]);
            }
            m.computeIfAbsent(args[i].substring(2), k -> new ArrayList<>()).add(args[i + 1]);
        }
        return m;
    }

    static String one(Map<String, List<String>> m, String key, String dflt) {
        List<String> v = m.get(key);
        if (v == null) {
            if (dflt == null && !key.equals("body-file")) {
                throw new IllegalArgumentException("--" + key + " is required");
            }
            return dflt;
        }
        return v.get(0);
    }
}
