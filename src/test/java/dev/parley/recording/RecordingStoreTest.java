package dev.parley.recording;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.config.ParleyConfig;
import dev.parley.support.TestPostgres;
import dev.parley.support.TestServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The PostgreSQL store on a real database, migrated by the app (V9). */
@Tag("db")
class RecordingStoreTest {
    @RegisterExtension
    static final TestServer server = TestServer.perClass();

    static String newCall() {
        var r = server.createCall("+14155550123");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().at("/data/call_id").asText();
    }

    PostgresRecordingStore store() {
        return new PostgresRecordingStore(server.app.database().jdbi());
    }

    @Test
    void aTenMinuteRecordingIsStoredAndReadBackAndARetriedPutDoesNotFail() throws Exception {
        String id = newCall();
        byte[] wav = S3RecordingStoreTest.wav(10 * 60 * 8000 * 4 + 44); // 10 minutes of 8 kHz 16-bit stereo: 19 MB
        store().put(id, wav);
        store().put(id, wav);
        try (Recording r = store().open(id).orElseThrow()) {
            assertThat(r.contentType()).isEqualTo("audio/wav");
            assertThat(r.sizeBytes()).isEqualTo(wav.length);
            assertThat(r.body().readAllBytes()).isEqualTo(wav);
        }
        assertThat(server.count("SELECT size_bytes FROM call_recordings WHERE call_id = '" + id + "'")).isEqualTo(wav.length);
        assertThat(store().open(newCall())).as("a call without a recording").isEmpty();
        assertThatThrownBy(() -> store().put("c_nosuchcall", wav)).as("a recording belongs to a call").hasMessageContaining("foreign key");
    }

    @Test
    void aPutDuringADatabaseOutageIsRetriedUntilTheDatabaseIsBack() throws Exception {
        String id = newCall();
        byte[] wav = S3RecordingStoreTest.wav(8000 * 4 * 5);
        var retrying = new RetryingRecordingStore(store(), RecordingStore.PATIENCE);
        TestPostgres.cutOff(server.databaseUrl);
        CompletableFuture<Void> put;
        try {
            put = CompletableFuture.runAsync(() -> retrying.put(id, wav));
            Thread.sleep(2000);
            assertThat(put).as("still trying while the database is away").isNotDone();
        } finally {
            TestPostgres.restore(server.databaseUrl);
        }
        put.get(RecordingStore.PATIENCE.toSeconds(), TimeUnit.SECONDS);
        try (Recording r = store().open(id).orElseThrow()) {
            assertThat(r.body().readAllBytes()).isEqualTo(wav);
        }
    }

    @Test
    void aPutThatKeepsFailingGivesUpAfterItsPatience() {
        var retrying = new RetryingRecordingStore(store(), Duration.ofMillis(300));
        long start = System.nanoTime();
        assertThatThrownBy(() -> retrying.put("c_nosuchcall", new byte[44])).hasMessageContaining("call_recordings");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void afterMovingToS3TheRecordingsInTheDatabaseAreStillServed(@TempDir Path legacy) throws Exception {
        String old = newCall();
        String fresh = newCall();
        store().put(old, new byte[] {1, 2, 3});
        try (FakeS3 s3 = new FakeS3("recordings", "us-east-1", "AK", "SK")) {
            RecordingStore moved = RecordingStore.of(new ParleyConfig.Recordings.S3(s3.endpoint(), "us-east-1", "recordings", "",
                    "AK", "SK"), server.app.database().jdbi(), legacy);
            moved.put(fresh, new byte[] {4, 5});
            assertThat(s3.objects).containsOnlyKeys(fresh + ".wav");
            assertThat(store().open(fresh)).as("new recordings go to S3 only").isEmpty();
            try (Recording r = moved.open(old).orElseThrow()) {
                assertThat(r.body().readAllBytes()).containsExactly(1, 2, 3);
            }
            try (Recording r = moved.open(fresh).orElseThrow()) {
                assertThat(r.body().readAllBytes()).containsExactly(4, 5);
            }
            assertThat(moved.open(newCall())).isEmpty();
        }
    }

    @Test
    void aNodeConfiguredForS3ServesTheRecordingFromTheBucket() throws Exception {
        try (FakeS3 s3 = new FakeS3("recordings", "us-east-1", "AK", "SK");
             TestServer node = TestServer.onDatabase(server.databaseUrl, java.util.Map.of(
                     dev.parley.config.ConfigLoader.RECORDINGS_URL, "s3://recordings/prod?endpoint=" + s3.endpoint(),
                     dev.parley.config.ConfigLoader.RECORDINGS_S3_ACCESS_KEY, "AK",
                     dev.parley.config.ConfigLoader.RECORDINGS_S3_SECRET_KEY, "SK"))) {
            String id = newCall();
            byte[] wav = S3RecordingStoreTest.wav(200_000);
            s3.objects.put("prod/" + id + ".wav", wav);
            var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                            "http://127.0.0.1:" + node.app.port() + "/v1/admin/assistant/call/" + id + "/recording"))
                    .header("workspace", node.tenancy.workspaceId()).header("organization", node.tenancy.organizationId())
                    .header("Authorization", "Bearer " + node.tenancy.apiKey().orElseThrow()).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofByteArray());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("audio/wav");
            assertThat(response.headers().firstValueAsLong("Content-Length")).hasValue(wav.length);
            assertThat(response.body()).isEqualTo(wav);
            assertThat(s3.requests).contains("GET /recordings/prod/" + id + ".wav");
        }
    }
}
