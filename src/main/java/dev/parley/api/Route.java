package dev.parley.api;

import io.javalin.http.HandlerType;

/** One entry of the route table: the OpenAPI document is checked against this list. */
record Route(HandlerType method, String path, boolean authenticated, TenantHandler handler) {}
