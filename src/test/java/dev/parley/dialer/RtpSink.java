package dev.parley.dialer;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The callee's end of a call's RTP in tests: keeps every packet Parley sends, with when it arrived. */
final class RtpSink implements AutoCloseable {
    /** One received packet's header fields, and whether its PCMU payload is digital silence. */
    record Packet(long arrivedNanos, int sequence, long timestamp, boolean marker, boolean silent) {}

    private final DatagramSocket socket;
    private final List<Packet> packets = new CopyOnWriteArrayList<>();
    private final Thread reader;

    RtpSink() throws IOException {
        socket = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"));
        reader = Thread.ofPlatform().daemon().name("rtp-sink").start(this::read);
    }

    int port() {
        return socket.getLocalPort();
    }

    List<Packet> packets() {
        return List.copyOf(packets);
    }

    private void read() {
        byte[] buf = new byte[2048];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        while (true) {
            try {
                socket.receive(p);
            } catch (SocketException e) {
                return;
            } catch (IOException e) {
                continue;
            }
            long now = System.nanoTime();
            if (p.getLength() < 12) {
                continue;
            }
            int sequence = ((buf[2] & 0xff) << 8) | (buf[3] & 0xff);
            long timestamp = ((buf[4] & 0xffL) << 24) | ((buf[5] & 0xffL) << 16) | ((buf[6] & 0xffL) << 8) | (buf[7] & 0xffL);
            boolean marker = (buf[1] & 0x80) != 0;
            boolean silent = true;
            for (int i = 12; i < p.getLength(); i++) {
                int b = buf[i] & 0xff;
                if (b != 0xff && b != 0x7f) { // PCMU's two zeros
                    silent = false;
                    break;
                }
            }
            packets.add(new Packet(now, sequence, timestamp, marker, silent));
        }
    }

    @Override
    public void close() {
        socket.close();
        try {
            reader.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
