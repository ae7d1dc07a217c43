package dev.parley.amd;

/**
 * Who (or what) answered a call, as the detector or the carrier decided: a person, a machine (a
 * mailbox greeting, with or without its beep heard), a fax, or unknown when nothing could tell.
 *
 * @param beep whether a machine's beep was heard (false for anyone but a machine)
 * @param confidence 0 to 1
 * @param decidedAfterMs milliseconds after the answer when it was decided
 */
public record AnsweredBy(Who who, boolean beep, double confidence, int decidedAfterMs) {
    public enum Who {
        human, machine, fax, unknown;

        public String wire() {
            return name();
        }
    }
}
