package dev.parley.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A test class that runs while no class runs in the other surefire fork ({@link ForkLock}): one
 * that loads the whole machine by design (several server processes, a flood of requests), or whose
 * assertions need the CPU to itself. Say why on the class.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface RunsAlone {}
