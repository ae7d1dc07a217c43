package dev.parley.telephony.stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The three dialects' messages. Both carriers use the same events ({@code connected}, {@code start},
 * {@code media}, {@code dtmf}, {@code mark}, {@code stop} in; {@code media}, {@code mark},
 * {@code clear} out) with their own field names: Twilio's camelCase {@code streamSid},
 * {@code sequenceNumber}, {@code customParameters}, {@code mediaFormat}; Telnyx's snake_case
 * {@code stream_id}, {@code sequence_number}, {@code custom_parameters}, {@code media_format}. Twilio
 * wants the {@code streamSid} on what it is sent; Telnyx takes the bare messages.
 *
 * <p>A browser (WEB) speaks Telnyx's names for its few JSON messages ({@code start} with the call's
 * token in {@code custom_parameters}, {@code mark}, {@code dtmf}, {@code stop} in; {@code mark},
 * {@code clear} out) but sends and receives its audio as binary messages, 20 ms each of 16-bit
 * little-endian PCM at 8 kHz: no base64 and no codec for a page's script to carry.
 */
enum Wire {
    TWILIO("streamSid", "sequenceNumber", "customParameters", "mediaFormat", "sampleRate", "callSid", "audio/x-mulaw", false),
    TELNYX("stream_id", "sequence_number", "custom_parameters", "media_format", "sample_rate", "call_control_id", "PCMU", false),
    WEB("stream_id", "sequence_number", "custom_parameters", "media_format", "sample_rate", "call_id", "pcm16", true);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String streamField;
    private final String sequenceField;
    private final String parametersField;
    private final String formatField;
    private final String rateField;
    private final String callField;
    /** The one encoding the dialect carries, as named in {@code start}'s media format: μ-law for carriers. */
    final String encoding;
    /** Audio as binary messages of raw PCM (a browser's), not base64 μ-law in JSON {@code media} messages. */
    final boolean binaryAudio;

    Wire(String streamField, String sequenceField, String parametersField, String formatField, String rateField,
         String callField, String encoding, boolean binaryAudio) {
        this.streamField = streamField;
        this.sequenceField = sequenceField;
        this.parametersField = parametersField;
        this.formatField = formatField;
        this.rateField = rateField;
        this.callField = callField;
        this.encoding = encoding;
        this.binaryAudio = binaryAudio;
    }

    static Wire of(MediaStreams.Dialect dialect) {
        return switch (dialect) {
            case TWILIO -> TWILIO;
            case TELNYX -> TELNYX;
            case WEB -> WEB;
        };
    }

    StreamMessage parse(String text) {
        JsonNode m;
        try {
            m = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            return new StreamMessage.Unknown("(not JSON)");
        }
        if (m == null || !m.isObject()) {
            return new StreamMessage.Unknown("(not an object)");
        }
        String event = m.path("event").asText("");
        try {
            return switch (event) {
                case "connected" -> new StreamMessage.Connected();
                case "start" -> start(m);
                case "media" -> media(m);
                case "dtmf" -> dtmf(m);
                case "mark" -> new StreamMessage.Mark(m.path("mark").path("name").asText(""));
                case "stop" -> new StreamMessage.Stop();
                case "error" -> new StreamMessage.Error(m.path("payload").path("detail").asText(m.path("error").toString()));
                default -> new StreamMessage.Unknown(event);
            };
        } catch (IllegalArgumentException e) {
            return new StreamMessage.Unknown(event);
        }
    }

    private StreamMessage start(JsonNode m) {
        JsonNode start = m.path("start");
        String streamId = start.hasNonNull(streamField) ? start.path(streamField).asText() : m.path(streamField).asText("");
        Map<String, String> params = new LinkedHashMap<>();
        start.path(parametersField).properties().forEach(e -> params.put(e.getKey(), e.getValue().asText()));
        JsonNode format = start.path(formatField);
        return new StreamMessage.Start(streamId, start.path(callField).asText(""), params,
                format.path("encoding").asText(""), format.path(rateField).asInt(0));
    }

    private StreamMessage media(JsonNode m) {
        JsonNode media = m.path("media");
        // The media counter orders audio; the message sequence number also counts the other events.
        long order = media.hasNonNull("chunk") ? media.path("chunk").asLong(-1) : m.path(sequenceField).asLong(-1);
        if (order < 0) {
            throw new IllegalArgumentException("no order");
        }
        String track = media.path("track").asText("inbound");
        boolean inbound = track.isEmpty() || track.startsWith("inbound");
        return new StreamMessage.Media(order, inbound, Base64.getDecoder().decode(media.path("payload").asText("")));
    }

    private StreamMessage dtmf(JsonNode m) {
        String digit = m.path("dtmf").path("digit").asText("");
        if (digit.length() != 1 || "0123456789*#ABCD".indexOf(digit.charAt(0)) < 0) {
            throw new IllegalArgumentException("no digit");
        }
        return new StreamMessage.Dtmf(digit.charAt(0));
    }

    /**
     * What every outgoing message starts with after its event: Twilio's {@code streamSid} (JSON-escaped
     * once here, since it comes from the carrier), nothing for Telnyx.
     */
    String prefix(String streamId) {
        if (this != TWILIO) {
            return "";
        }
        return ",\"streamSid\":" + JsonNodeFactory.instance.textNode(streamId);
    }

    /** Outgoing messages, built by hand: one per 20 ms per call, and every part is already safe JSON. */
    static String media(String prefix, String base64) {
        return "{\"event\":\"media\"" + prefix + ",\"media\":{\"payload\":\"" + base64 + "\"}}";
    }

    static String mark(String prefix, String name) {
        return "{\"event\":\"mark\"" + prefix + ",\"mark\":{\"name\":\"" + name + "\"}}";
    }

    static String clear(String prefix) {
        return "{\"event\":\"clear\"" + prefix + "}";
    }

    /** To a browser: its socket joined the call, which is answered now. */
    static String started(String callId) {
        return "{\"event\":\"started\",\"call_id\":" + JsonNodeFactory.instance.textNode(callId) + "}";
    }

    /** To a browser: a finished turn of the conversation, for its live transcript. */
    static String transcript(String speaker, String text) {
        return "{\"event\":\"transcript\",\"speaker\":" + JsonNodeFactory.instance.textNode(speaker) + ",\"text\":"
                + JsonNodeFactory.instance.textNode(text) + "}";
    }
}
