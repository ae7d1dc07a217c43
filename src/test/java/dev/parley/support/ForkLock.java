package dev.parley.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Lets a {@link RunsAlone} class have the machine to itself although the suite runs classes in two
 * surefire forks at once. Every top-level test class holds a lock on {@code target/test-forks.lock}
 * while it runs (its servers' start and stop included): shared, or exclusive for a
 * {@code @RunsAlone} class, which therefore waits for the other fork's current class to end, and
 * the other fork waits for it. The locks are the operating system's file locks, so they hold
 * between the fork JVMs and go away with a fork that dies.
 *
 * <p>A second lock, the turnstile, gives a waiting exclusive class precedence: a shared class
 * passes through it before taking the main lock, and an exclusive one holds it until it has the
 * main lock, so a fork starting class after class cannot keep it waiting.
 *
 * <p>JUnit registers this for every class (extension autodetection: {@code junit-platform.properties}
 * and {@code META-INF/services}), before the class's own extensions, so a class's servers start
 * only once it holds the lock. With one fork the locks are never contended.
 */
public final class ForkLock implements BeforeAllCallback, AfterAllCallback {
    private static final Path MAIN = Path.of("target", "test-forks.lock");
    private static final Path TURNSTILE = Path.of("target", "test-forks.turnstile");
    private static FileChannel main;
    private static FileChannel turnstile;
    private static FileLock held;

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        if (context.getRequiredTestClass().isAnnotationPresent(Nested.class)) {
            return; // runs inside its top-level class, which holds the lock
        }
        acquire(context.getRequiredTestClass().isAnnotationPresent(RunsAlone.class));
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        if (!context.getRequiredTestClass().isAnnotationPresent(Nested.class)) {
            release();
        }
    }

    private static synchronized void acquire(boolean alone) throws IOException {
        release(); // a class whose end we missed: a fork holds one lock at a time
        open();
        try (FileLock gate = turnstile.lock(0, 1, !alone)) {
            held = main.lock(0, 1, !alone);
        }
    }

    private static synchronized void release() throws IOException {
        if (held != null) {
            held.release();
            held = null;
        }
    }

    private static void open() {
        if (main != null) {
            return;
        }
        try {
            Files.createDirectories(MAIN.getParent());
            main = FileChannel.open(MAIN, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            turnstile = FileChannel.open(TURNSTILE, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the forks' lock files under target/", e);
        }
    }
}
