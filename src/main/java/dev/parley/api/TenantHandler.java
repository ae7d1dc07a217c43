package dev.parley.api;

import dev.parley.tenancy.Tenant;
import io.javalin.http.Context;

/** A handler of an authenticated route: it is given the caller's organization and workspace. */
@FunctionalInterface
interface TenantHandler {
    void handle(Context ctx, Tenant tenant) throws Exception;
}
