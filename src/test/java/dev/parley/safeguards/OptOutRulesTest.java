package dev.parley.safeguards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.error.Problem;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class OptOutRulesTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aPhraseCountsAsWholeWordsInOrderWhateverTheCaseAndPunctuation() {
        OptOutRules rules = OptOutRules.DEFAULT;
        assertThat(rules.phraseIn("Please STOP calling me!")).hasValue("stop calling");
        assertThat(rules.phraseIn("do not call me")).hasValue("do not call me");
        assertThat(rules.phraseIn("stop recalling")).as("not inside a longer word").isEmpty();
        assertThat(rules.phraseIn("calling stop")).as("in order").isEmpty();
        assertThat(rules.phraseIn("")).isEmpty();
        assertThat(rules.isKey('9')).isTrue();
        assertThat(rules.isKey('1')).isFalse();
    }

    @Test
    void settingsKeepTheDefaultsTheyLeaveOutAndNullTurnsTheKeyOff() throws Exception {
        OptOutRules onlyPhrases = OptOutRules.parse(JSON.readTree("{\"phrases\": [\"unsubscribe\"]}"), "opt_out");
        assertThat(onlyPhrases.dtmf()).contains('9');
        assertThat(onlyPhrases.phraseIn("unsubscribe please")).hasValue("unsubscribe");
        OptOutRules noKey = OptOutRules.parse(JSON.readTree("{\"dtmf\": null}"), "config.opt_out");
        assertThat(noKey.isKey('9')).isFalse();
        assertThat(noKey.phrases()).isEqualTo(OptOutRules.DEFAULT.phrases());
        assertThatThrownBy(() -> OptOutRules.parse(JSON.readTree("{\"dtmf\": \"10\"}"), "config.opt_out"))
                .isInstanceOf(Problem.class).hasMessageContaining("'config.opt_out.dtmf' must be one key");
        assertThatThrownBy(() -> OptOutRules.parse(JSON.readTree("{\"phrases\": [\"?!\"]}"), "opt_out"))
                .isInstanceOf(Problem.class).hasMessageContaining("at least one word");
        assertThatThrownBy(() -> OptOutRules.parse(JSON.readTree("{\"key\": \"9\"}"), "opt_out"))
                .isInstanceOf(Problem.class).hasMessageContaining("key");
    }
}
