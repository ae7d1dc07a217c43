package dev.parley.tenancy;

/**
 * Who is asking: an authenticated organization acting in one of its workspaces, with the key it
 * used. A key limited to one workspace ({@code organizationWide} false) cannot administer the
 * organization's workspaces and keys.
 */
public record Tenant(String organizationId, String workspaceId, String keyId, boolean organizationWide) {}
