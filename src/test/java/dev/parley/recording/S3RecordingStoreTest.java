package dev.parley.recording;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.config.ParleyConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The S3 store against {@link FakeS3}, which checks every signature from the secret key. */
@Tag("unit")
class S3RecordingStoreTest {
    static final String SECRET = "s3cr3t/Key+With=Signs";
    FakeS3 s3;

    @BeforeEach
    void start() throws Exception {
        s3 = new FakeS3("recordings", "eu-central-1", "AKPARLEYTEST", SECRET);
    }

    @AfterEach
    void stop() {
        s3.close();
    }

    ParleyConfig.Recordings.S3 config(String prefix, String accessKey, String secretKey) {
        return new ParleyConfig.Recordings.S3(s3.endpoint(), "eu-central-1", "recordings", prefix, accessKey, secretKey);
    }

    /** What {@link RecordingStore#of} builds for S3, less the database it falls back on (see RecordingStoreTest). */
    static RecordingStore withRetriesAndLegacyFiles(ParleyConfig.Recordings.S3 config, Path legacy) {
        return new StoreWithFallback(new RetryingRecordingStore(new S3RecordingStore(config, InstantSource.system()),
                RecordingStore.PATIENCE), new LegacyRecordingFiles(legacy));
    }

    static byte[] wav(int bytes) {
        byte[] b = new byte[bytes];
        new Random(7).nextBytes(b);
        return b;
    }

    @Test
    void aRecordingPutIsReadBackWhole(@TempDir Path legacy) throws Exception {
        RecordingStore store = withRetriesAndLegacyFiles(config("calls/2026", "AKPARLEYTEST", SECRET), legacy);
        byte[] wav = wav(3 * 1024 * 1024 + 17);
        store.put("c_000000000000000000000001", wav);
        assertThat(s3.requests).containsExactly("PUT /recordings/calls/2026/c_000000000000000000000001.wav");
        assertThat(s3.objects.get("calls/2026/c_000000000000000000000001.wav")).isEqualTo(wav);

        store.put("c_000000000000000000000001", wav); // a retried put: replaces, never fails
        try (Recording r = store.open("c_000000000000000000000001").orElseThrow()) {
            assertThat(r.contentType()).isEqualTo("audio/wav");
            assertThat(r.sizeBytes()).isEqualTo(wav.length);
            assertThat(r.body().readAllBytes()).isEqualTo(wav);
        }
        assertThat(store.open("c_000000000000000000000002")).isEmpty();
    }

    @Test
    void aKeyPrefixWithCharactersToEncodeIsSignedAsSent() {
        var store = new S3RecordingStore(config("odd prefix/é+x", "AKPARLEYTEST", SECRET), InstantSource.system());
        store.put("c_1", wav(10));
        assertThat(s3.objects).containsOnlyKeys("odd%20prefix/%C3%A9%2Bx/c_1.wav");
        assertThat(store.open("c_1")).isPresent();
    }

    @Test
    void aWrongSecretIsRefusedAtOnceWithAClearMessageThatDoesNotShowIt(@TempDir Path legacy) {
        String wrong = "not-the-secret-0123456789";
        RecordingStore store = withRetriesAndLegacyFiles(config("", "AKPARLEYTEST", wrong), legacy);
        long start = System.nanoTime();
        assertThatThrownBy(() -> store.put("c_1", wav(100)))
                .isInstanceOf(Refused.class)
                .hasMessageContaining("403").hasMessageContaining("SignatureDoesNotMatch")
                .hasMessageContaining("recordings.s3.secret.key").hasMessageContaining("'recordings'")
                .message().doesNotContain(wrong).doesNotContain(SECRET);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("a refusal is not retried").isLessThan(RecordingStore.PATIENCE);
        assertThat(s3.requests).hasSize(1);
        assertThat(s3.objects).isEmpty();

        assertThatThrownBy(() -> new S3RecordingStore(config("", "AKWRONG", SECRET), InstantSource.system()).open("c_1"))
                .isInstanceOf(Refused.class).hasMessageContaining("InvalidAccessKeyId").hasMessageContaining("recordings.s3.access.key");
        assertThat(config("", "AKPARLEYTEST", SECRET).toString()).doesNotContain(SECRET);
    }

    @Test
    void aStoreThatIsBrieflyUnavailableIsRetried() {
        s3.unavailable.set(2);
        var store = new RetryingRecordingStore(new S3RecordingStore(config("", "AKPARLEYTEST", SECRET), InstantSource.system()),
                Duration.ofSeconds(10));
        store.put("c_1", wav(1000));
        assertThat(s3.requests).hasSize(3);
        assertThat(s3.objects).containsKey("c_1.wav");
    }

    @Test
    void aStoreThatStaysUnavailableFailsAfterThePatience() {
        s3.unavailable.set(1000);
        var store = new RetryingRecordingStore(new S3RecordingStore(config("", "AKPARLEYTEST", SECRET), InstantSource.system()),
                Duration.ofMillis(500));
        assertThatThrownBy(() -> store.put("c_1", wav(1000))).hasMessageContaining("503").hasMessageContaining("SlowDown");
        assertThat(s3.requests.size()).isBetween(2, 5);
    }

    @Test
    void aFileAnEarlierVersionWroteIsServedWhenTheStoreHasNone(@TempDir Path legacy) throws Exception {
        RecordingStore store = withRetriesAndLegacyFiles(config("", "AKPARLEYTEST", SECRET), legacy);
        Files.write(legacy.resolve("c_old.wav"), wav(64));
        try (Recording r = store.open("c_old").orElseThrow()) {
            assertThat(r.body().readAllBytes()).isEqualTo(wav(64));
            assertThat(r.sizeBytes()).isEqualTo(64);
        }
        assertThat(store.open("../c_old")).as("never a path outside the directory").isEqualTo(Optional.empty());
    }
}
