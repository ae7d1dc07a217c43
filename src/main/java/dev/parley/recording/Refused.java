package dev.parley.recording;

/** The store answered and said no (wrong credentials, no such bucket): trying again cannot help. */
final class Refused extends RuntimeException {
    Refused(String message) {
        super(message);
    }
}
