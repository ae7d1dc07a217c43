package dev.parley.analysis;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.ai.Endpoint;
import dev.parley.ai.Endpoints;
import dev.parley.ai.ProviderFailure;
import dev.parley.ai.Usage;
import dev.parley.assistant.Assistant;
import dev.parley.assistant.AssistantConfig;
import dev.parley.assistant.AssistantStore;
import dev.parley.assistant.StructuredField;
import dev.parley.assistant.StructuredFields;
import dev.parley.call.CallAnalysis;
import dev.parley.call.TranscriptStore;
import dev.parley.call.TranscriptTurn;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * After a call: its summary and the values of its assistant's {@code structured_data} fields, asked
 * of the assistant's own language model (its {@code model}, then its fallbacks) over Chat
 * Completions once the last turn is stored.
 *
 * <p>Only assistants whose {@code model.provider} is {@code openai} (OpenAI or any compatible
 * server at {@code model.base_url}) are analyzed: an offline {@code flow} assistant has no language
 * model, and its calls keep {@code summary} and {@code structured_data} null. A call in which
 * nothing was said is not analyzed either.
 *
 * <p>The call's final status waits for this (its {@code call.report} carries the result and is
 * written in the same transaction), so it never takes longer than {@code limit}: the work runs on a
 * thread of its own and is abandoned at the limit. Any failure (no answer, a timeout, an answer
 * that is not JSON) leaves the analysis empty with a warning; it never fails the call.
 */
public final class CallAnalyst {
    /** How long a call's final status may wait for its analysis. */
    public static final Duration LIMIT = Duration.ofSeconds(15);
    private static final Logger log = LoggerFactory.getLogger(CallAnalyst.class);

    private final AssistantStore assistants;
    private final TranscriptStore transcripts;
    private final Endpoints endpoints;
    private final Duration limit;

    /** @param endpoints the model's base URL re-checked by the SSRF guard, with the key meant for it, as for calls */
    public CallAnalyst(AssistantStore assistants, TranscriptStore transcripts, Endpoints endpoints, Duration limit) {
        if (limit.isNegative() || limit.isZero()) {
            throw new IllegalArgumentException("the analysis limit must be positive, not " + limit);
        }
        this.assistants = assistants;
        this.transcripts = transcripts;
        this.endpoints = endpoints;
        this.limit = limit;
    }

    /**
     * The call's analysis, with {@code usage} (the call's own, to which the analysis adds its
     * tokens) as it stands afterwards. Never throws; returns within the limit.
     */
    public CallAnalysis analyze(String callId, String workspaceId, String assistantId, Usage usage) {
        long deadline = System.nanoTime() + limit.toNanos();
        FutureTask<Optional<AnswerReader.Answer>> task = new FutureTask<>(() -> {
            MDC.put("call_id", callId);
            return answer(callId, workspaceId, assistantId, usage, deadline);
        });
        Thread.ofVirtual().name("analysis-" + callId).start(task);
        String before = MDC.get("call_id");
        MDC.put("call_id", callId);
        Optional<AnswerReader.Answer> answer;
        try {
            answer = outcome(task);
        } finally {
            if (before == null) {
                MDC.remove("call_id");
            } else {
                MDC.put("call_id", before);
            }
        }
        return new CallAnalysis(answer.flatMap(AnswerReader.Answer::summary), answer.<ObjectNode>map(AnswerReader.Answer::values),
                usage.snapshot());
    }

    private Optional<AnswerReader.Answer> outcome(Future<Optional<AnswerReader.Answer>> task) {
        try {
            return task.get(limit.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            task.cancel(true);
            log.warn("The call's analysis took longer than {} ms; the call is reported without it", limit.toMillis());
        } catch (ExecutionException e) {
            log.warn("The call's analysis failed ({}); the call is reported without it", e.getCause().getClass().getSimpleName());
        } catch (InterruptedException e) {
            task.cancel(true);
            Thread.currentThread().interrupt();
        }
        return Optional.empty();
    }

    private Optional<AnswerReader.Answer> answer(String callId, String workspaceId, String assistantId, Usage usage,
                                                 long deadline) {
        Optional<Assistant> assistant = assistants.find(workspaceId, assistantId);
        if (assistant.isEmpty() || assistant.get().config().model().provider() != AssistantConfig.Model.Provider.openai) {
            return Optional.empty();
        }
        List<TranscriptTurn> turns = transcripts.turns(callId);
        if (!AnalysisPrompt.anythingSaid(turns)) {
            return Optional.empty();
        }
        AssistantConfig config = assistant.get().config();
        List<StructuredField> fields = StructuredFields.of(config.structuredData());
        AnalysisPrompt prompt = AnalysisPrompt.of(config.systemPrompt(), fields, turns);
        ObjectNode schema = AnswerSchema.of(fields);
        for (AssistantConfig.Model model : models(config.model())) {
            Endpoint endpoint;
            try {
                endpoint = endpoints.of(workspaceId, model.provider().name(), model.baseUrl());
            } catch (RuntimeException refused) {
                log.warn("The call's analysis cannot reach {}: {}", model.model(), refused.getMessage());
                continue;
            }
            try {
                return Optional.of(AnswerReader.read(ChatAnalysis.ask(endpoint, model.model(), prompt, schema, deadline, usage), fields));
            } catch (ProviderFailure.Exception e) {
                log.warn("The call's analysis got no answer from {}: {}", endpoint, e.failure().message());
            } catch (AnswerReader.Unreadable e) {
                log.warn("The call's analysis could not read the answer of {}: {}", endpoint, e.getMessage());
            }
            if (System.nanoTime() >= deadline) {
                break;
            }
        }
        return Optional.empty();
    }

    private static List<AssistantConfig.Model> models(AssistantConfig.Model primary) {
        List<AssistantConfig.Model> all = new ArrayList<>();
        all.add(primary);
        all.addAll(primary.fallbacks());
        return all;
    }
}
