package dev.parley.ai.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.parley.support.FakeChatCompletions;
import dev.parley.support.FakeChatCompletions.Script;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The SDK, with our dependency set, reads what the fake writes: the fake speaks the real wire format. */
@Tag("provider")
class SdkAgainstFakeTest {

    @Test
    void theSdkStreamsTheFakesChunksAndToolCallFragments() {
        try (var fake = FakeChatCompletions.start()) {
            fake.script(Script.say("Hel", "lo.").usage(7, 2),
                    Script.toolCalls(Script.call("c1", "a", "{\"x\":", "1}"), Script.call("c2", "b", "{}")));
            var client = OpenAIOkHttpClient.builder().baseUrl(fake.baseUrl()).apiKey("sk-test").maxRetries(0).build();
            var params = ChatCompletionCreateParams.builder().model("m").addUserMessage("hi").build();
            List<ChatCompletionChunk> got = new ArrayList<>();
            try (var s = client.chat().completions().createStreaming(params)) {
                s.stream().forEach(got::add);
            }
            assertThat(got.stream().flatMap(c -> c.choices().stream()).flatMap(c -> c.delta().content().stream()))
                    .containsExactly("Hel", "lo.");
            assertThat(got.getLast().usage().orElseThrow().promptTokens()).isEqualTo(7);
            List<String> fragments = new ArrayList<>();
            try (var s = client.chat().completions().createStreaming(params)) {
                s.stream().flatMap(c -> c.choices().stream()).flatMap(c -> c.delta().toolCalls().stream().flatMap(List::stream))
                        .forEach(t -> fragments.add(t.index() + ":" + t.function().flatMap(f -> f.arguments()).orElse("")));
            }
            assertThat(fragments).containsExactly("0:{\"x\":", "1:{}", "0:1}");
            assertThat(fake.requests().getFirst().header("authorization")).contains("Bearer sk-test");
        }
    }
}
