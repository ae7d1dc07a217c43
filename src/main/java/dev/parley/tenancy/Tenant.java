package dev.parley.tenancy;

/** Who is asking: an authenticated organization acting in one of its workspaces. */
public record Tenant(String organizationId, String workspaceId) {}
