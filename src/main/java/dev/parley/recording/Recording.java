package dev.parley.recording;

import java.io.IOException;
import java.io.InputStream;

/** One stored recording, open for reading; {@code sizeBytes} is the length of {@code body}. */
public record Recording(String contentType, long sizeBytes, InputStream body) implements AutoCloseable {
    @Override
    public void close() throws IOException {
        body.close();
    }
}
