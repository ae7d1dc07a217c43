import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * The far end of N live calls for bench/live-calls.sh: a caller per call that sends recorded speech
 * as G.711 μ-law RTP every 20 ms (silence included, as a telephone does) and timestamps every packet
 * Parley sends back. Needs only the JDK, so it runs as its own process and its CPU is not Parley's.
 *
 * <p>Two ways to meet Parley:
 * <ul>
 *   <li>{@code --media}: Parley's RTP sockets are opened by bench/LiveMedia.java. This side binds N
 *       ports and writes them to {@code DIR/far-ports}, then waits for {@code DIR/server-ports}.</li>
 *   <li>{@code --sip PORT}: a small SIP UAS (UDP, 127.0.0.1) that answers every INVITE with 180 and
 *       200 (PCMU), opens an RTP port per call, answers BYE, and at the end sends its own BYEs.</li>
 * </ul>
 *
 * <p>The measured window comes from {@code DIR/window} ("startEpochMs endEpochMs"), written by the
 * script once all calls are up, so Parley's CPU and this side's figures cover the same seconds. Per
 * call, over the window, for the packets Parley sends:
 * <ul>
 *   <li>pacing error: arrival gap minus 20 ms, only between packets that are consecutive in both
 *       sequence number (+1) and RTP timestamp (+160), i.e. two frames meant to go 20 ms apart;</li>
 *   <li>lost: sequence numbers never seen (a gap in the sequence);</li>
 *   <li>skipped slots: 20 ms slots the sender passed over without a packet (RTP timestamp advanced
 *       by more frames than the sequence number): Parley choosing not to send, not loss;</li>
 *   <li>no-packet slots: the window's 20 ms slots minus the packets received (all causes).</li>
 * </ul>
 * Nothing here knows whether Parley sends during silence: both behaviours are measured the same way.
 *
 * <p>The far end's own timing error (how late its sender woke, in the same window) is reported too:
 * on a shared 2-core machine it bounds how much of a measured pacing error may be this side's.
 *
 * Usage: java LiveFarEnd --calls N --dir DIR --speech caller.ulaw (--media | --sip PORT) [--port-base P] [--max-seconds S]
 */
public class LiveFarEnd {
    static final long FRAME_NANOS = 20_000_000L;
    static final int SUBSLOTS = 20; // the senders are spread over the 20 ms in 1 ms steps
    static final List<Call> calls = new CopyOnWriteArrayList<>();
    static final ConcurrentLinkedQueue<Call> toRegister = new ConcurrentLinkedQueue<>();
    // Epoch-to-nanoTime offset, to turn the window's wall-clock times into nanoTime.
    static final long EPOCH_OFFSET = System.nanoTime() - System.currentTimeMillis() * 1_000_000L;
    static volatile long windowStart = Long.MAX_VALUE, windowEnd = Long.MAX_VALUE;
    static volatile boolean stopping;
    static double farCpuSeconds;
    static byte[] speech;
    static Selector selector;
    static final LongList senderLateness = new LongList();
    // With --port-base the calls' ports are base, base+1, ... (busy ones skipped), so a capture
    // filter on a port range sees exactly what Parley sends to this side (bench/live-calls.sh --wire).
    static int portBase;
    static int nextPort;

    public static void main(String[] args) throws Exception {
        Map<String, String> o = options(args);
        int n = Integer.parseInt(o.getOrDefault("--calls", "50"));
        Path dir = Path.of(o.get("--dir"));
        speech = Files.readAllBytes(Path.of(o.get("--speech")));
        long maxSeconds = Long.parseLong(o.getOrDefault("--max-seconds", "900"));
        long deadline = System.nanoTime() + maxSeconds * 1_000_000_000L;
        portBase = Integer.parseInt(o.getOrDefault("--port-base", "0"));
        nextPort = portBase;
        selector = Selector.open();
        Thread.ofPlatform().name("far-recv").daemon().start(LiveFarEnd::receive);
        Thread.ofPlatform().name("far-send").daemon().start(LiveFarEnd::send);
        Sip sip = null;
        if (o.containsKey("--sip")) {
            sip = new Sip(Integer.parseInt(o.get("--sip")), dir);
            Thread.ofPlatform().name("far-sip").daemon().start(sip::run);
        } else {
            media(n, dir, deadline);
        }
        System.out.printf("far end: %d calls expected, speech loop %.1f s%n", n, speech.length / 8000.0);
        // Wait for the window, bounded by --max-seconds.
        Path window = dir.resolve("window");
        while (!Files.exists(window) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        if (!Files.exists(window)) {
            System.out.println("far end: no window before --max-seconds; giving up");
            System.exit(2);
        }
        String[] w = Files.readString(window).trim().split("\\s+");
        windowStart = Long.parseLong(w[0]) * 1_000_000L + EPOCH_OFFSET;
        windowEnd = Long.parseLong(w[1]) * 1_000_000L + EPOCH_OFFSET;
        while (System.nanoTime() < windowStart && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        long cpu0 = cpuNanos();
        while (System.nanoTime() < windowEnd + 200_000_000L && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        farCpuSeconds = (cpuNanos() - cpu0) / 1e9;
        String report = report(n, (windowEnd - windowStart) / 1e9, sip);
        Files.writeString(dir.resolve("far-report.json"), report);
        System.out.println("far end: " + report);
        if (sip != null) {
            sip.hangUpAll();
        }
        stopping = true;
        System.exit(0);
    }

    /** Media mode: bind N ports, publish them, wait for Parley's, then stream to each. */
    static void media(int n, Path dir, long deadline) throws Exception {
        List<Call> mine = new ArrayList<>();
        StringBuilder ports = new StringBuilder();
        for (int i = 0; i < n; i++) {
            Call c = new Call(i);
            mine.add(c);
            ports.append(c.channel.socket().getLocalPort()).append('\n');
        }
        Files.writeString(dir.resolve("far-ports.tmp"), ports);
        Files.move(dir.resolve("far-ports.tmp"), dir.resolve("far-ports"));
        Path theirs = dir.resolve("server-ports");
        while (!Files.exists(theirs) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        List<String> lines = Files.readAllLines(theirs);
        for (int i = 0; i < n; i++) {
            mine.get(i).start(new InetSocketAddress("127.0.0.1", Integer.parseInt(lines.get(i).trim())));
        }
    }

    // ---- sending ----------------------------------------------------------------------------

    static void send() {
        ByteBuffer out = ByteBuffer.allocateDirect(12 + 160);
        long t0 = System.nanoTime();
        for (long k = 0; !stopping; k++) {
            long due = t0 + k * (FRAME_NANOS / SUBSLOTS);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            long now = System.nanoTime();
            if (now >= windowStart && now <= windowEnd) {
                senderLateness.add(now - due);
            }
            int sub = (int) (k % SUBSLOTS);
            for (Call c : calls) {
                if (c.index % SUBSLOTS == sub && c.sending) {
                    c.sendFrame(out);
                }
            }
        }
    }

    // ---- receiving --------------------------------------------------------------------------

    static void receive() {
        ByteBuffer in = ByteBuffer.allocateDirect(2048);
        try {
            while (!stopping) {
                Call r;
                while ((r = toRegister.poll()) != null) {
                    r.channel.register(selector, SelectionKey.OP_READ, r);
                }
                selector.select(100);
                for (SelectionKey key : selector.selectedKeys()) {
                    Call c = (Call) key.attachment();
                    while (true) {
                        in.clear();
                        if (c.channel.receive(in) == null) {
                            break;
                        }
                        c.received(in, System.nanoTime());
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException e) {
            if (!stopping) {
                e.printStackTrace();
            }
        }
    }

    /** One call's RTP endpoint: what it sends and what it measured of what it received. */
    static final class Call {
        final int index;
        final DatagramChannel channel;
        volatile InetSocketAddress remote;
        volatile boolean sending;
        volatile boolean endedByParley;
        // Sender state, owned by the send thread.
        int sendSeq = ThreadLocalRandom.current().nextInt(65536);
        long sendTs = ThreadLocalRandom.current().nextInt() & 0xffffffffL;
        final int ssrc = ThreadLocalRandom.current().nextInt();
        int pos;
        boolean first = true;
        long sendDrops;
        // Receiver state, owned by the receive thread.
        boolean have;
        int lastSeq;
        long lastTs, lastArrival;
        long received, lost, duplicates, skippedSlots, outsideWindow;
        final LongList pacing = new LongList(); // signed nanoseconds: arrival gap - 20 ms

        Call(int index) throws IOException {
            this.index = index;
            channel = DatagramChannel.open(StandardProtocolFamily.INET);
            bind(channel);
            channel.configureBlocking(false);
            // Calls start at different points of the caller's script, as real calls would.
            pos = ThreadLocalRandom.current().nextInt(speech.length / 160) * 160;
        }

        static void bind(DatagramChannel ch) throws IOException {
            if (portBase == 0) {
                ch.bind(new InetSocketAddress("127.0.0.1", 0));
                return;
            }
            synchronized (Call.class) {
                for (int tries = 0; tries < 1000; tries++) {
                    try {
                        ch.bind(new InetSocketAddress("127.0.0.1", nextPort++));
                        return;
                    } catch (java.net.BindException e) {
                        // someone else's port: the next one
                    }
                }
            }
            throw new IOException("no free port from " + portBase);
        }

        void start(InetSocketAddress to) {
            remote = to;
            calls.add(this);
            toRegister.add(this);
            selector.wakeup();
            sending = true;
        }

        void sendFrame(ByteBuffer out) {
            out.clear();
            out.put((byte) 0x80).put((byte) (first ? 0x80 : 0x00)).putShort((short) sendSeq).putInt((int) sendTs).putInt(ssrc);
            for (int i = 0; i < 160; i++) {
                out.put(speech[pos]);
                pos = (pos + 1) % speech.length;
            }
            out.flip();
            try {
                if (channel.send(out, remote) == 0) {
                    sendDrops++;
                }
            } catch (IOException e) {
                sendDrops++;
            }
            first = false;
            sendSeq = (sendSeq + 1) & 0xffff;
            sendTs = (sendTs + 160) & 0xffffffffL;
        }

        void received(ByteBuffer p, long at) {
            if (p.position() < 12) {
                return;
            }
            int seq = ((p.get(2) & 0xff) << 8) | (p.get(3) & 0xff);
            long ts = p.getInt(4) & 0xffffffffL;
            boolean inWindow = at >= windowStart && at <= windowEnd;
            if (!inWindow) {
                outsideWindow++;
            }
            if (!have) {
                have = true;
                lastSeq = seq;
                lastTs = ts;
                lastArrival = at;
                if (inWindow) {
                    received++;
                }
                return;
            }
            int dseq = (seq - lastSeq) & 0xffff;
            if (dseq == 0 || dseq > 0x8000) {
                if (inWindow) {
                    duplicates++; // behind the newest: reordered or repeated
                }
                return;
            }
            long dts = (ts - lastTs) & 0xffffffffL;
            if (inWindow && lastArrival >= windowStart) {
                received++;
                lost += dseq - 1;
                long slots = dts / 160;
                if (slots > dseq) {
                    skippedSlots += slots - dseq;
                }
                if (dseq == 1 && dts == 160) {
                    pacing.add(at - lastArrival - FRAME_NANOS);
                }
            } else if (inWindow) {
                received++;
            }
            lastSeq = seq;
            lastTs = ts;
            lastArrival = at;
        }
    }

    // ---- SIP: a UAS that answers, and hangs up at the end --------------------------------------

    static final class Sip {
        final DatagramSocket socket;
        final Path dir;
        final int port;
        final Map<String, Dialog> dialogs = new HashMap<>();
        int answered, byParley, index;

        Sip(int port, Path dir) throws IOException {
            this.port = port;
            this.dir = dir;
            socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", port));
            socket.setReceiveBufferSize(4 << 20);
            socket.setSoTimeout(100);
        }

        /** What a dialog needs: the responses to repeat until the ACK, and what a BYE needs. */
        static final class Dialog {
            Call call;
            String ok;
            InetSocketAddress peer;
            String requestUri, fromUs, toThem, callId;
            boolean acked, ended;
            long nextResend;
            int resends;
        }

        void run() {
            byte[] buf = new byte[65536];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            long lastStatus = 0;
            while (!stopping) {
                try {
                    socket.receive(p);
                    handle(new String(buf, 0, p.getLength(), StandardCharsets.UTF_8), (InetSocketAddress) p.getSocketAddress());
                } catch (SocketTimeoutException e) {
                    // time for retransmissions and status
                } catch (IOException | RuntimeException e) {
                    if (!stopping) {
                        e.printStackTrace();
                    }
                }
                long now = System.nanoTime();
                synchronized (this) {
                    for (Dialog d : dialogs.values()) {
                        if (!d.acked && !d.ended && d.ok != null && now >= d.nextResend && d.resends < 6) {
                            transmit(d.ok, d.peer);
                            d.resends++;
                            d.nextResend = now + (500_000_000L << d.resends);
                        }
                    }
                }
                if (now - lastStatus > 500_000_000L) {
                    lastStatus = now;
                    status();
                }
            }
        }

        synchronized void status() {
            long live = dialogs.values().stream().filter(d -> !d.ended).count();
            try {
                Files.writeString(dir.resolve("status.tmp"), answered + " " + live + " " + byParley + "\n");
                Files.move(dir.resolve("status.tmp"), dir.resolve("status"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                // the next one
            }
        }

        synchronized void handle(String msg, InetSocketAddress from) throws IOException {
            int headEnd = msg.indexOf("\r\n\r\n");
            String head = headEnd >= 0 ? msg.substring(0, headEnd) : msg;
            String body = headEnd >= 0 ? msg.substring(headEnd + 4) : "";
            String[] lines = head.split("\r\n");
            String first = lines[0];
            if (first.startsWith("SIP/2.0")) {
                return; // the 200 to our BYE
            }
            String method = first.substring(0, first.indexOf(' '));
            String callId = header(lines, "call-id", "i");
            Dialog d = dialogs.get(callId);
            switch (method) {
                case "INVITE" -> {
                    if (d != null) {
                        if (d.ok != null) {
                            transmit(d.ok, from); // a retransmission, or a refresh: same answer
                        }
                        return;
                    }
                    d = new Dialog();
                    d.callId = callId;
                    d.peer = from;
                    String tag = Long.toHexString(ThreadLocalRandom.current().nextLong());
                    String to = header(lines, "to", "t") + ";tag=" + tag;
                    d.fromUs = to;
                    d.toThem = header(lines, "from", "f");
                    String contact = header(lines, "contact", "m");
                    d.requestUri = contact.contains("<") ? contact.substring(contact.indexOf('<') + 1, contact.indexOf('>')) : contact.trim();
                    d.call = new Call(index++);
                    int rtpPort = d.call.channel.socket().getLocalPort();
                    InetSocketAddress media = sdpAudio(body);
                    String sdp = "v=0\r\no=far 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                            + "m=audio " + rtpPort + " RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n";
                    transmit(response("180 Ringing", lines, to, ""), from);
                    d.ok = response("200 OK", lines, to, sdp);
                    transmit(d.ok, from);
                    d.nextResend = System.nanoTime() + 500_000_000L;
                    dialogs.put(callId, d);
                    answered++;
                    if (media != null) {
                        d.call.start(media);
                    }
                }
                case "ACK" -> {
                    if (d != null) {
                        d.acked = true;
                    }
                }
                case "BYE", "CANCEL" -> {
                    transmit(response("200 OK", lines, null, ""), from);
                    if (d != null && !d.ended) {
                        d.ended = true;
                        byParley++;
                        d.call.sending = false;
                        d.call.endedByParley = true;
                    }
                }
                default -> transmit(response("200 OK", lines, null, ""), from);
            }
        }

        /** At the end: a BYE for every call still up (bounded wait for the 200s is the caller's exit). */
        synchronized void hangUpAll() {
            int sent = 0;
            for (Dialog d : dialogs.values()) {
                if (d.ended) {
                    continue;
                }
                d.ended = true;
                d.call.sending = false;
                String bye = "BYE " + d.requestUri + " SIP/2.0\r\n"
                        + "Via: SIP/2.0/UDP 127.0.0.1:" + port + ";branch=z9hG4bK" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ";rport\r\n"
                        + "Max-Forwards: 70\r\n"
                        + "From: " + d.fromUs + "\r\n"
                        + "To: " + d.toThem + "\r\n"
                        + "Call-ID: " + d.callId + "\r\n"
                        + "CSeq: 1 BYE\r\n"
                        + "Content-Length: 0\r\n\r\n";
                transmit(bye, d.peer);
                sent++;
                if (sent % 50 == 0) {
                    LockSupport.parkNanos(20_000_000L); // do not flood the node's SIP socket
                }
            }
            System.out.println("far end: sent " + sent + " BYEs");
        }

        String response(String status, String[] req, String to, String sdp) {
            StringBuilder r = new StringBuilder("SIP/2.0 ").append(status).append("\r\n");
            for (String l : req) {
                String name = l.contains(":") ? l.substring(0, l.indexOf(':')).trim().toLowerCase(Locale.ROOT) : "";
                if (name.equals("via") || name.equals("v")) {
                    r.append(l).append("\r\n");
                }
            }
            r.append("From: ").append(header(req, "from", "f")).append("\r\n");
            r.append("To: ").append(to != null ? to : header(req, "to", "t")).append("\r\n");
            r.append("Call-ID: ").append(header(req, "call-id", "i")).append("\r\n");
            r.append("CSeq: ").append(header(req, "cseq", null)).append("\r\n");
            r.append("Contact: <sip:far@127.0.0.1:").append(port).append(";transport=udp>\r\n");
            if (!sdp.isEmpty()) {
                r.append("Content-Type: application/sdp\r\n");
            }
            r.append("Content-Length: ").append(sdp.getBytes(StandardCharsets.UTF_8).length).append("\r\n\r\n").append(sdp);
            return r.toString();
        }

        void transmit(String text, InetSocketAddress to) {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            try {
                socket.send(new DatagramPacket(b, b.length, to));
            } catch (IOException e) {
                System.err.println("far end: SIP send failed: " + e);
            }
        }

        static String header(String[] lines, String name, String compact) {
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon <= 0) {
                    continue;
                }
                String n = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
                if (n.equals(name) || n.equals(compact)) {
                    return lines[i].substring(colon + 1).trim();
                }
            }
            return "";
        }

        static InetSocketAddress sdpAudio(String sdp) {
            String host = "127.0.0.1";
            int port = -1;
            for (String l : sdp.split("\r?\n")) {
                if (l.startsWith("c=IN IP4 ")) {
                    host = l.substring(9).trim();
                } else if (l.startsWith("m=audio ")) {
                    port = Integer.parseInt(l.split(" ")[1]);
                }
            }
            return port > 0 ? new InetSocketAddress(host, port) : null;
        }
    }

    // ---- the report ---------------------------------------------------------------------------

    static String report(int expected, double windowSeconds, Sip sip) {
        List<Call> all = new ArrayList<>(calls);
        long received = 0, lost = 0, dup = 0, skipped = 0, drops = 0, endedEarly = 0;
        long slotsPerCall = Math.round(windowSeconds * 1e9 / FRAME_NANOS);
        long noPacket = 0;
        LongList pooled = new LongList();
        LongList perCallP99 = new LongList();
        int withPacing = 0;
        for (Call c : all) {
            received += c.received;
            lost += c.lost;
            dup += c.duplicates;
            skipped += c.skippedSlots;
            drops += c.sendDrops;
            endedEarly += c.endedByParley ? 1 : 0;
            noPacket += Math.max(0, slotsPerCall - c.received);
            long[] abs = c.pacing.absSorted();
            if (abs.length > 0) {
                withPacing++;
                perCallP99.add(abs[Math.min(abs.length - 1, (int) (abs.length * 0.99))]);
                pooled.addAll(abs);
            }
        }
        long[] p = pooled.absSorted();
        long[] c99 = perCallP99.absSorted();
        long[] late = senderLateness.absSorted();
        return String.format(Locale.ROOT,
                "{\"calls_expected\":%d,\"calls\":%d,\"window_s\":%.1f,\"slots\":%d,\"received\":%d,\"no_packet_slots\":%d,"
                        + "\"skipped_slots\":%d,\"lost\":%d,\"duplicates\":%d,\"pacing_samples\":%d,\"calls_with_pacing\":%d,"
                        + "\"pacing_ms\":{\"p50\":%.3f,\"p99\":%.3f,\"max\":%.3f},"
                        + "\"per_call_p99_ms\":{\"median\":%.3f,\"max\":%.3f},"
                        + "\"far_end_send_lateness_ms\":{\"p50\":%.3f,\"p99\":%.3f,\"max\":%.3f},"
                        + "\"far_end_send_drops\":%d,\"ended_by_parley\":%d,\"answered\":%d,\"far_end_cpu_s\":%.2f}",
                expected, all.size(), windowSeconds, slotsPerCall * all.size(), received, noPacket, skipped, lost, dup,
                p.length, withPacing, q(p, 0.5), q(p, 0.99), q(p, 1.0), q(c99, 0.5), q(c99, 1.0),
                q(late, 0.5), q(late, 0.99), q(late, 1.0), drops, endedEarly, sip != null ? sip.answered : all.size(), farCpuSeconds);
    }

    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    static double q(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) (sorted.length * p))] / 1e6;
    }

    /** A growable long array: a minute of 50 samples a second per call, without boxing. */
    static final class LongList {
        long[] a = new long[256];
        int n;

        synchronized void add(long v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, n * 2);
            }
            a[n++] = v;
        }

        synchronized void addAll(long[] v) {
            if (n + v.length > a.length) {
                a = Arrays.copyOf(a, Math.max(n + v.length, a.length * 2));
            }
            System.arraycopy(v, 0, a, n, v.length);
            n += v.length;
        }

        synchronized long[] absSorted() {
            long[] r = new long[n];
            for (int i = 0; i < n; i++) {
                r[i] = Math.abs(a[i]);
            }
            Arrays.sort(r);
            return r;
        }
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--media")) {
                o.put("--media", "");
            } else {
                o.put(args[i], args[++i]);
            }
        }
        return o;
    }
}
