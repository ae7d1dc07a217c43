package dev.parley.ai;

import java.util.Optional;

/**
 * The API key a workspace uses for a network provider: the workspace's own (set with
 * {@code PUT /v1/admin/credentials/{provider}}, sealed at rest), else the node's from its
 * configuration. Keys are only ever handed to the provider's client, never logged or returned.
 */
@FunctionalInterface
public interface ProviderKeys {
    Optional<String> key(String workspaceId, String provider);

    ProviderKeys NONE = (workspace, provider) -> Optional.empty();
}
