package dev.parley.media;

import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.Optional;

/**
 * What Parley needs from the far end's SDP: where to send audio, and which of our offered codecs it
 * chose (the first payload type on its audio line that we support), plus its telephone-event type.
 */
public record SdpAnswer(InetSocketAddress remote, int payloadType, int telephoneEvent) {
    public static final int PCMU = 0;
    public static final int PCMA = 8;

    public static Optional<SdpAnswer> parse(String sdp) {
        if (sdp == null) {
            return Optional.empty();
        }
        String sessionAddress = null;
        String mediaAddress = null;
        int port = -1;
        int chosen = -1;
        int dtmf = 101;
        boolean inAudio = false;
        for (String raw : sdp.split("\r?\n")) {
            String line = raw.strip();
            if (line.startsWith("m=")) {
                inAudio = line.startsWith("m=audio ");
                if (inAudio) {
                    String[] parts = line.substring(2).split(" ");
                    if (parts.length < 4) {
                        return Optional.empty();
                    }
                    try {
                        port = Integer.parseInt(parts[1]);
                    } catch (NumberFormatException e) {
                        return Optional.empty();
                    }
                    for (int i = 3; i < parts.length && chosen < 0; i++) {
                        if (parts[i].equals("0") || parts[i].equals("8")) {
                            chosen = Integer.parseInt(parts[i]);
                        }
                    }
                }
            } else if (line.startsWith("c=IN IP")) {
                String address = line.substring(line.lastIndexOf(' ') + 1);
                if (inAudio) {
                    mediaAddress = address;
                } else {
                    sessionAddress = address;
                }
            } else if (inAudio && line.startsWith("a=rtpmap:") && line.toLowerCase(Locale.ROOT).contains("telephone-event")) {
                try {
                    dtmf = Integer.parseInt(line.substring(9, line.indexOf(' ')));
                } catch (RuntimeException e) {
                    // keep the default
                }
            }
        }
        String address = mediaAddress != null ? mediaAddress : sessionAddress;
        if (address == null || port <= 0 || port > 65535 || chosen < 0) {
            return Optional.empty();
        }
        return Optional.of(new SdpAnswer(new InetSocketAddress(address, port), chosen, dtmf));
    }
}
