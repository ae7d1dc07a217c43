package dev.parley.ai.openai;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class ClausesTest {

    private static List<String> cut(String... deltas) {
        Clauses c = new Clauses();
        List<String> out = new ArrayList<>();
        for (String d : deltas) {
            out.addAll(c.add(d));
        }
        String rest = c.rest();
        if (!rest.isEmpty()) {
            out.add(rest);
        }
        return out;
    }

    @Test
    void sentencesEndAtTheirMarkOnceTheNextWordBegins() {
        Clauses c = new Clauses();
        assertThat(c.add("Hello there.")).isEmpty(); // could still be "Hello there.com"
        assertThat(c.add(" How")).containsExactly("Hello there.");
        assertThat(c.add(" are you? I")).containsExactly("How are you?");
        assertThat(c.rest()).isEqualTo("I");
    }

    @Test
    void numbersAbbreviationsAndInitialsDoNotEndASentence() {
        assertThat(cut("It costs 3.", "5 dollars. Dr. Smith and J. R. Jones will call, e.g. tomorrow."))
                .containsExactly("It costs 3.5 dollars.", "Dr. Smith and J. R. Jones will call, e.g. tomorrow.");
    }

    @Test
    void aLongClauseBreaksAtACommaAShortOneDoesNot() {
        assertThat(cut("Well, I think so. ", "Your order of 3,500 widgets left the warehouse on Monday, and it should"
                + " arrive by Friday."))
                .containsExactly("Well, I think so.", "Your order of 3,500 widgets left the warehouse on Monday,",
                        "and it should arrive by Friday.");
    }
}
