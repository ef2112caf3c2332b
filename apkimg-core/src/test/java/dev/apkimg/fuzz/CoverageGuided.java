package dev.apkimg.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * A Jazzer fuzz test (coverage-guided, libFuzzer) for long sessions: it runs only with
 * {@code JAZZER_FUZZ} set, one test per JVM, for {@code JAZZER_MAX_DURATION} (default below).
 * Tagged {@code jazzer}, which the build excludes unless {@code -Dapkimg.excludedTestGroups=} is given; without
 * {@code JAZZER_FUZZ} it would be skipped: Jazzer's agent instruments every class loaded after it and
 * hooks sockets and processes, which the other tests of the same JVM must not meet; the bounded
 * fuzz run of {@code mvn verify} is {@link Fuzzer}'s.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Tag("jazzer")
@FuzzTest(maxDuration = "10m")
@EnabledIfEnvironmentVariable(named = "JAZZER_FUZZ", matches = ".+")
@interface CoverageGuided {}
