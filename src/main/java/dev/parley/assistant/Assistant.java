package dev.parley.assistant;

import java.time.Instant;

public record Assistant(String id, String workspaceId, String name, boolean enabled, AssistantConfig config,
                        Instant createdAt, Instant updatedAt) {}
