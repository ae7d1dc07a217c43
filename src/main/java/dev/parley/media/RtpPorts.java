package dev.parley.media;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * RTP ports from a configured range: even ports only (RTP's convention, RTCP would take the odd one
 * above), handed out round-robin so that a port a call just released is the last to be reused and
 * late packets of the old call drain away first. A port taken by anything else is skipped.
 */
public final class RtpPorts {
    private final InetAddress host;
    private final int first;
    private final int last;
    private int next;

    public RtpPorts(InetAddress host, int first, int last) {
        this.host = host;
        this.first = first % 2 == 0 ? first : first + 1;
        this.last = last;
        this.next = this.first;
    }

    /** A bound socket, or empty when every port of the range is in use. */
    public synchronized Optional<DatagramSocket> open() {
        int span = (last - first) / 2 + 1;
        for (int i = 0; i < span; i++) {
            int port = next;
            next = next + 2 > last ? first : next + 2;
            try {
                return Optional.of(new DatagramSocket(new InetSocketAddress(host, port)));
            } catch (IOException e) {
                // in use: try the next one
            }
        }
        return Optional.empty();
    }
}
