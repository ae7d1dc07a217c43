package dev.parley.egress;

import dev.parley.config.ConfigException;
import dev.parley.error.Problem;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The SSRF guard: which URLs Parley may connect to on someone's behalf (webhooks, providers'
 * {@code base_url}). Only {@code https://}, or {@code http://} to loopback in development mode (the
 * embedded database) or to a host the allow-list names. Addresses that reach the inside of the
 * network are refused: loopback (outside development mode), private (RFC 1918, unique-local),
 * link-local (which holds the cloud metadata service at 169.254.169.254), carrier-grade NAT,
 * unspecified, multicast and broadcast, unless the allow-list names the host or a block holding the
 * address.
 *
 * <p>Checked twice: when a URL is accepted (scheme, literal addresses: a clear 400), and before
 * connecting, on the addresses the name resolves to then, since DNS can change after acceptance.
 * One rule for every user of it; each gives its own allow-list and words ({@link Wording}).
 */
public final class AddressGuard {

    /**
     * How refusals read for one user of the guard.
     *
     * @param setting the allow-list's configuration key, e.g. {@code webhook.allowed.hosts}
     * @param localExample what plain http to this machine looks like, e.g. "a receiver on this machine, such as http://127.0.0.1:9000/hook"
     * @param rule why internal addresses are refused, e.g. "webhooks go to public addresses"
     */
    public record Wording(String setting, String localExample, String rule) {}

    private final boolean devMode;
    private final Wording wording;
    private final List<String> allowedNames = new ArrayList<>();
    private final List<Cidr> allowedBlocks = new ArrayList<>();

    /** @throws ConfigException when an allow-list entry looks like a block but is not one */
    public AddressGuard(boolean devMode, List<String> allowedHosts, Wording wording) {
        this.devMode = devMode;
        this.wording = wording;
        for (String entry : allowedHosts) {
            Optional<Cidr> block = Cidr.parse(entry, wording.setting());
            if (block.isPresent()) {
                allowedBlocks.add(block.get());
            } else {
                allowedNames.add(entry.toLowerCase(Locale.ROOT));
            }
        }
    }

    /** For a URL given through the API (syntax already checked): a 400 naming {@code field} when it can never be reached. */
    public String checkAccepted(String field, String url) {
        URI uri = URI.create(url);
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        boolean loopbackName = host.equals("localhost") || host.endsWith(".localhost");
        Optional<InetAddress> literal = literal(host);
        boolean loopback = loopbackName || literal.map(InetAddress::isLoopbackAddress).orElse(false);
        boolean allowListed = allowedNames.contains(host)
                || literal.map(a -> allowedBlocks.stream().anyMatch(b -> b.contains(a))).orElse(false);
        if (scheme.equals("http") && !(devMode && loopback) && !allowListed) {
            throw Problem.invalid(field, "'" + field + "' must use https://" + (devMode
                    ? " (plain http:// is accepted only to " + wording.localExample() + ")"
                    : " (plain http:// is accepted in development mode, with the embedded database, or to a host"
                            + " " + wording.setting() + " lists)"));
        }
        if (literal.isPresent()) {
            refusal(literal.get()).ifPresent(why -> {
                throw Problem.invalid(field, "'" + field + "' points at " + why + "; " + wording.rule()
                        + " unless " + wording.setting() + " lists it");
            });
        } else if (loopbackName && !devMode && !allowedNames.contains(host)) {
            throw Problem.invalid(field, "'" + field + "' points at this machine (localhost); that is allowed only in"
                    + " development mode or when " + wording.setting() + " lists it");
        }
        return url;
    }

    /**
     * Before connecting: why not to, or empty when every address the host resolves to is fine. A
     * name that does not resolve is not refused here: the connection fails on its own.
     */
    public Optional<String> refusalBeforeConnect(URI uri) {
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        if (allowedNames.contains(host)) {
            return Optional.empty();
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
        for (InetAddress a : addresses) {
            Optional<String> why = refusal(a);
            if (why.isPresent()) {
                return Optional.of("refused by the SSRF guard: " + host + " resolves to " + why.get());
            }
        }
        return Optional.empty();
    }

    private Optional<String> refusal(InetAddress a) {
        if (allowedBlocks.stream().anyMatch(b -> b.contains(a))) {
            return Optional.empty();
        }
        if (a.isLoopbackAddress()) {
            return devMode ? Optional.empty() : Optional.of("a loopback address (" + a.getHostAddress() + ")");
        }
        if (a.isLinkLocalAddress()) {
            return Optional.of("a link-local address (" + a.getHostAddress() + "), where cloud metadata services live");
        }
        if (a.isSiteLocalAddress() || a.isAnyLocalAddress() || a.isMulticastAddress() || special(a)) {
            return Optional.of("a private or reserved address (" + a.getHostAddress() + ")");
        }
        return Optional.empty();
    }

    /** Ranges the JDK's predicates miss: CGNAT 100.64/10, 192.0.0/24, 198.18/15, broadcast, IPv6 unique-local fc00::/7, IPv4-mapped. */
    private static boolean special(InetAddress a) {
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int o0 = b[0] & 0xff;
            int o1 = b[1] & 0xff;
            return o0 == 0 || o0 == 100 && (o1 & 0xc0) == 64 || o0 == 192 && o1 == 0 && (b[2] & 0xff) == 0
                    || o0 == 198 && (o1 & 0xfe) == 18 || o0 >= 240;
        }
        if (a instanceof Inet6Address) {
            if ((b[0] & 0xfe) == 0xfc) {
                return true;
            }
            boolean mapped = true;
            for (int i = 0; i < 10; i++) {
                mapped &= b[i] == 0;
            }
            if (mapped && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
                return true; // an IPv4 address written as IPv6: refuse rather than re-check every v4 rule
            }
        }
        return false;
    }

    /** The address when the host is an IP literal; never a DNS lookup. */
    private static Optional<InetAddress> literal(String host) {
        String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        boolean v4 = h.matches("[0-9.]+");
        boolean v6 = h.contains(":");
        if (!v4 && !v6) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(h));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    record Cidr(byte[] network, int bits) {
        static Optional<Cidr> parse(String s, String setting) {
            String[] parts = s.split("/", 2);
            Optional<InetAddress> address = literal(parts[0]);
            if (address.isEmpty()) {
                return Optional.empty();
            }
            byte[] net = address.get().getAddress();
            try {
                int bits = parts.length == 2 ? Integer.parseInt(parts[1]) : net.length * 8;
                if (bits < 0 || bits > net.length * 8) {
                    throw new NumberFormatException();
                }
                return Optional.of(new Cidr(net, bits));
            } catch (NumberFormatException e) {
                throw new ConfigException(setting + " has '" + s + "': a block is an address"
                        + " and a prefix length, like 10.0.0.0/8");
            }
        }

        boolean contains(InetAddress a) {
            byte[] b = a.getAddress();
            if (b.length != network.length) {
                return false;
            }
            for (int i = 0; i < bits; i++) {
                int mask = 0x80 >> (i % 8);
                if ((b[i / 8] & mask) != (network[i / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }
}
