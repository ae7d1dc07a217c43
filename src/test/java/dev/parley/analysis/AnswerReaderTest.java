package dev.parley.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.assistant.StructuredField;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** What a model may send that must not reach the database or a webhook as it came. */
@Tag("unit")
class AnswerReaderTest {
    private static final List<StructuredField> FIELDS = List.of(
            new StructuredField.Text("note", Optional.empty()),
            new StructuredField.Number("budget", Optional.empty()));

    @Test
    void textPostgresCannotStoreAndNumbersBeyondDoubleBecomeNull() throws Exception {
        AnswerReader.Answer a = AnswerReader.read("""
                {"summary": "ok\\u0000", "structured_data": {"note": "\\ud800 lone", "budget": 1e400}}""", FIELDS);
        assertThat(a.summary()).isEmpty();
        assertThat(a.values().get("note").isNull()).isTrue();
        assertThat(a.values().get("budget").isNull()).isTrue();
    }

    @Test
    void aMissingStructuredDataObjectGivesNullsAndABlankSummaryNone() throws Exception {
        AnswerReader.Answer a = AnswerReader.read("{\"summary\": \"  \"}", FIELDS);
        assertThat(a.summary()).isEmpty();
        assertThat(a.values().toString()).isEqualTo("{\"note\":null,\"budget\":null}");
    }

    @Test
    void anythingButAJsonObjectIsUnreadable() {
        for (String content : List.of("", "[1, 2]", "{\"summary\": ", "Sure! Here it is.")) {
            assertThatThrownBy(() -> AnswerReader.read(content, FIELDS)).as(content).isInstanceOf(AnswerReader.Unreadable.class);
        }
    }
}
